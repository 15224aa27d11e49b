/**
 * Nearest-neighbour search, one query or a batch of up to 32: every query text is embedded in
 * one embeddings call (batched like any other), then one transaction runs one search per query,
 * answered in query order. Scores are cosine similarity (1 is identical).
 */
import { documentsTable } from '../../deps/postgres/documents-table.ts';
import { searchDocuments } from '../../deps/postgres/documents-store.ts';
import { embedTexts } from './embed-texts.ts';
import { notFoundIfDropped, requireCollection, type RetrievalDeps } from './retrieval-deps.ts';
import { hitObject } from './retrieval-objects.ts';
import { DEFAULT_TOP_K, parseCollectionName, parseRetrievalRequest, searchSchema, type Metadata, type SearchRequest } from './retrieval-requests.ts';

interface PlannedQuery {
  text: string;
  topK: number;
  filter: Metadata | undefined;
}

/** POST /v1/collections/:name/search: a list of hits for `query`, or one list per item of `queries`. */
export async function search(deps: RetrievalDeps, name: string, body: unknown, signal: AbortSignal) {
  parseCollectionName(name);
  const request = parseRetrievalRequest(searchSchema, body);
  const queries = planQueries(request);
  const collection = await requireCollection(deps, name, signal);
  const { vectors, usage } = await embedTexts(deps.llm, deps.embeddings, collection, queries.map((query) => query.text), signal);
  const table = documentsTable(collection);
  const results = await deps.postgres
    .transaction(
      'search',
      (client) => searchDocuments(client, table, queries.map((query, index) => ({ embedding: vectors[index]!, topK: query.topK, filter: query.filter }))),
      signal,
    )
    .catch(notFoundIfDropped(name));

  if (request.queries === undefined) return { object: 'list' as const, data: (results[0] ?? []).map(hitObject), usage };
  return { object: 'list' as const, data: results.map((hits, index) => ({ index, results: hits.map(hitObject) })), usage };
}

/** One query, or each of the batch's with the request's top_k and filter unless it sets its own. */
function planQueries(request: SearchRequest): PlannedQuery[] {
  const topK = request.top_k ?? DEFAULT_TOP_K;
  if (request.queries === undefined) return [{ text: request.query!, topK, filter: request.filter }];
  return request.queries.map((query) =>
    typeof query === 'string' ? { text: query, topK, filter: request.filter } : { text: query.query, topK: query.top_k ?? topK, filter: query.filter ?? request.filter },
  );
}
