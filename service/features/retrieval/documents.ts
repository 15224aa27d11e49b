/**
 * A collection's documents. Upsert is all or nothing: validate the whole call, embed every text
 * through the LLM path, check every vector's size, then write in one transaction; a failure at
 * any step (a bad document, an embedding batch that fails after its retries, a wrong dimension,
 * the database) leaves the collection as it was.
 */
import { NotFoundError } from '../../errors.ts';
import { embedTexts } from './embed-texts.ts';
import { collectionNotFound, requireCollection, type RetrievalDeps } from './retrieval-deps.ts';
import { documentObject, pageObject } from './retrieval-objects.ts';
import { DEFAULT_PAGE_LIMIT, pageQuerySchema, parseCollectionName, parseDocumentId, parseRetrievalRequest, upsertDocumentsSchema } from './retrieval-requests.ts';

/** POST /v1/collections/:name/documents: up to MAX_DOCUMENTS_PER_UPSERT documents, all or nothing. */
export async function upsertDocuments(deps: RetrievalDeps, name: string, body: unknown, signal: AbortSignal) {
  parseCollectionName(name);
  const { documents } = parseRetrievalRequest(upsertDocumentsSchema, body);
  const collection = await requireCollection(deps, name, signal);
  const { vectors, usage } = await embedTexts(deps.llm, deps.embeddings, collection, documents.map((document) => document.text), signal);
  const rows = documents.map((document, index) => ({ id: document.id, text: document.text, metadata: document.metadata ?? {}, embedding: vectors[index]! }));
  const written = await deps.store.upsertDocuments(collection, rows, signal);
  if (!written) throw collectionNotFound(name);
  return { object: 'collection.upsert' as const, collection: name, upserted: rows.length, inserted: written.inserted, updated: written.updated, usage };
}

/** `query`: the URL's query parameters (`limit`, `after` = the last id of the previous page). */
export async function listDocuments(deps: RetrievalDeps, name: string, query: unknown, signal: AbortSignal) {
  parseCollectionName(name);
  const page = parseRetrievalRequest(pageQuerySchema, query);
  const listed = await deps.store.listDocuments(name, { limit: page.limit ?? DEFAULT_PAGE_LIMIT, after: page.after }, signal);
  if (!listed) throw collectionNotFound(name);
  return pageObject(listed.rows.map(documentObject), (document) => document.id, listed.hasMore);
}

/** GET /v1/collections/:name/documents/:id */
export async function getDocument(deps: RetrievalDeps, name: string, id: string, signal: AbortSignal) {
  parseCollectionName(name);
  parseDocumentId(id);
  const found = await deps.store.getDocument(name, id, signal);
  if (!found) throw collectionNotFound(name);
  if (!found.document) throw documentNotFound(name, id);
  return documentObject(found.document);
}

/** DELETE /v1/collections/:name/documents/:id: 404 when there is no such document. */
export async function deleteDocument(deps: RetrievalDeps, name: string, id: string, signal: AbortSignal) {
  parseCollectionName(name);
  parseDocumentId(id);
  const outcome = await deps.store.deleteDocument(name, id, signal);
  if (outcome === 'no collection') throw collectionNotFound(name);
  if (outcome === 'no document') throw documentNotFound(name, id);
  return { id, object: 'collection.document.deleted' as const, deleted: true };
}

function documentNotFound(name: string, id: string): NotFoundError {
  return new NotFoundError(`No document with id '${id}' in collection '${name}'.`);
}
