/**
 * Nearest-neighbour search, one query or a batch of up to 32: every query text is embedded in
 * one embeddings call (batched like any other), then one transaction runs one search per query,
 * answered in query order. Scores are cosine similarity (1 is identical).
 *
 * Results are cached under the collection's id and version (bumped by every write to it, so a
 * write makes earlier results unreachable) and the whole request. When the store cannot be
 * reached, the collection last seen here keys the lookup of an entry still within its grace.
 */
import type { CollectionRow } from '../../capabilities/vector-store/vector-store.ts';
import { NotFoundError } from '../../errors.ts';
import { cacheKey } from '../cache/cache-key.ts';
import type { CachedCalls, CacheMode, CacheStatus } from '../cache/cached-calls.ts';
import { embedTexts } from './embed-texts.ts';
import { collectionNotFound, requireCollection, type RetrievalDeps } from './retrieval-deps.ts';
import { hitObject } from './retrieval-objects.ts';
import { DEFAULT_TOP_K, parseCollectionName, parseRetrievalRequest, searchSchema, type Metadata, type SearchRequest } from './retrieval-requests.ts';

interface PlannedQuery {
  text: string;
  topK: number;
  filter: Metadata | undefined;
}

interface SearchCache {
  calls: CachedCalls;
  mode: CacheMode;
}

/** Collections as last read, by name: the key of a stale lookup while the store is down. Bounded. */
const lastSeen = new Map<string, CollectionRow>();
const LAST_SEEN_MAX = 1_000;

/** POST /v1/collections/:name/search: a list of hits for `query`, or one list per item of `queries`. */
export async function search(deps: RetrievalDeps, name: string, body: unknown, signal: AbortSignal, cacheMode: CacheMode): Promise<{ body: SearchAnswer; cacheStatus?: CacheStatus }> {
  parseCollectionName(name);
  const cache: SearchCache | undefined = deps.searchCache && { calls: deps.searchCache, mode: cacheMode };
  const request = parseRetrievalRequest(searchSchema, body);
  const useCache = cache !== undefined && cache.mode !== 'bypass' && cache.calls.enabled;
  if (cache?.mode === 'bypass') cache.calls.record('bypass');
  let collection: CollectionRow;
  try {
    collection = await requireCollection(deps, name, signal);
  } catch (error) {
    const stale = useCache && !(error instanceof NotFoundError) ? await staleAnswer(cache, name, request) : undefined;
    if (stale) return { body: stale, cacheStatus: 'STALE' };
    throw error;
  }
  if (!useCache) return { body: await runSearch(deps, collection, request, signal) };
  if (lastSeen.size >= LAST_SEEN_MAX && !lastSeen.has(name)) lastSeen.clear();
  lastSeen.set(name, collection);
  const { value, status } = await cache.calls.run({ key: searchKey(collection, request), mode: cache.mode, load: () => runSearch(deps, collection, request, signal) });
  return { body: value, cacheStatus: status };
}

type SearchAnswer = Awaited<ReturnType<typeof runSearch>>;

function searchKey(collection: CollectionRow, request: SearchRequest): string {
  return cacheKey({ collection: collection.id, version: collection.version, request });
}

async function staleAnswer(cache: SearchCache, name: string, request: SearchRequest): Promise<SearchAnswer | undefined> {
  const known = lastSeen.get(name);
  if (!known) return undefined;
  const entry = await cache.calls.cache.get<SearchAnswer>(searchKey(known, request));
  if (!entry || entry.staleUntil <= Date.now()) return undefined;
  cache.calls.record('stale');
  return entry.value;
}

async function runSearch(deps: RetrievalDeps, collection: CollectionRow, request: SearchRequest, signal: AbortSignal) {
  const queries = planQueries(request);
  const { name } = collection;
  const { vectors, usage } = await embedTexts(deps.llm, deps.embeddings, collection, queries.map((query) => query.text), signal);
  const results = await deps.store.search(collection, queries.map((query, index) => ({ embedding: vectors[index]!, topK: query.topK, filter: query.filter })), signal);
  if (!results) throw collectionNotFound(name);

  if (request.queries === undefined) return { object: 'list' as const, data: (results[0] ?? []).map(hitObject), usage } as const;
  return { object: 'list' as const, data: results.map((hits, index) => ({ index, results: hits.map(hitObject) })), usage } as const;
}

/** One query, or each of the batch's with the request's top_k and filter unless it sets its own. */
function planQueries(request: SearchRequest): PlannedQuery[] {
  const topK = request.top_k ?? DEFAULT_TOP_K;
  if (request.queries === undefined) return [{ text: request.query!, topK, filter: request.filter }];
  return request.queries.map((query) =>
    typeof query === 'string' ? { text: query, topK, filter: request.filter } : { text: query.query, topK: query.top_k ?? topK, filter: query.filter ?? request.filter },
  );
}
