/**
 * Collections: create (the catalogue row and its documents table in one transaction), list,
 * get and delete (the row and the table, with every document, in one transaction).
 */
import { LeveeError } from '../../errors.ts';
import { collectionNotFound, requireCollection, type RetrievalDeps } from './retrieval-deps.ts';
import { collectionObject, pageObject } from './retrieval-objects.ts';
import { createCollectionSchema, DEFAULT_PAGE_LIMIT, pageQuerySchema, parseCollectionName, parseRetrievalRequest } from './retrieval-requests.ts';

/** POST /v1/collections: 409 `collection_exists` when the name is taken. */
export async function createCollection(deps: RetrievalDeps, body: unknown, signal: AbortSignal) {
  const request = parseRetrievalRequest(createCollectionSchema, body);
  const row = await deps.store.createCollection(request, signal);
  if (!row) throw new LeveeError('collection_exists', `A collection named '${request.name}' already exists.`, { param: 'name' });
  return collectionObject(row);
}

/** `query`: the URL's query parameters (`limit`, `after` = the last name of the previous page). */
export async function listCollections(deps: RetrievalDeps, query: unknown, signal: AbortSignal) {
  const page = parseRetrievalRequest(pageQuerySchema, query);
  const { rows, hasMore } = await deps.store.listCollections({ limit: page.limit ?? DEFAULT_PAGE_LIMIT, after: page.after }, signal);
  return pageObject(rows.map(collectionObject), (collection) => collection.name, hasMore);
}

/** GET /v1/collections/:name, with its document count. */
export async function getCollection(deps: RetrievalDeps, name: string, signal: AbortSignal) {
  return collectionObject(await requireCollection(deps, parseCollectionName(name), signal));
}

/** DELETE /v1/collections/:name: the collection and every document in it. */
export async function deleteCollection(deps: RetrievalDeps, name: string, signal: AbortSignal) {
  parseCollectionName(name);
  const deleted = await deps.store.deleteCollection(name, signal);
  if (!deleted) throw collectionNotFound(name);
  return { name, object: 'collection.deleted' as const, deleted: true };
}
