/**
 * The retrieval API under /v1/collections: collections, their documents, and search. Handlers
 * only translate between Koa and the features (service/features/retrieval/); each route has the
 * /v1 guards (rate limits, client keys) in front, before any body is read.
 */
import type { Router } from '@koa/router';
import { createCollection, deleteCollection, getCollection, listCollections } from '../../features/retrieval/collections.ts';
import { deleteDocument, getDocument, listDocuments, upsertDocuments } from '../../features/retrieval/documents.ts';
import type { RetrievalDeps } from '../../features/retrieval/retrieval-deps.ts';
import { search } from '../../features/retrieval/search.ts';
import { cacheModeOf, setCacheStatus } from '../cache-control.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { RouteTools } from '../route-tools.ts';
import type { LeveeState } from '../state.ts';

/** Mounts the /v1/collections routes; `guards` are the /v1 rate limits and client keys. */
export function retrievalRoutes(router: Router<LeveeState>, tools: RouteTools, deps: RetrievalDeps, guards: RouteGuards = () => []): void {
  const collections = '/v1/collections';
  const collection = '/v1/collections/:name';
  const documents = '/v1/collections/:name/documents';
  const document = '/v1/collections/:name/documents/:id';
  const searchRoute = '/v1/collections/:name/search';

  router.post(collections, ...guards(collections), tools.json, async (ctx) => {
    ctx.body = await createCollection(deps, ctx.state.body, ctx.state.deadline.signal);
  });
  router.get(collections, ...guards(collections), async (ctx) => {
    ctx.body = await listCollections(deps, ctx.query, ctx.state.deadline.signal);
  });
  router.get(collection, ...guards(collection), async (ctx) => {
    ctx.body = await getCollection(deps, ctx.params.name!, ctx.state.deadline.signal);
  });
  router.delete(collection, ...guards(collection), async (ctx) => {
    ctx.body = await deleteCollection(deps, ctx.params.name!, ctx.state.deadline.signal);
  });

  router.post(documents, ...guards(documents), tools.json, ...tools.idempotent(documents), async (ctx) => {
    ctx.body = await upsertDocuments(deps, ctx.params.name!, ctx.state.body, ctx.state.deadline.signal);
  });
  router.get(documents, ...guards(documents), async (ctx) => {
    ctx.body = await listDocuments(deps, ctx.params.name!, ctx.query, ctx.state.deadline.signal);
  });
  router.get(document, ...guards(document), async (ctx) => {
    ctx.body = await getDocument(deps, ctx.params.name!, ctx.params.id!, ctx.state.deadline.signal);
  });
  router.delete(document, ...guards(document), async (ctx) => {
    ctx.body = await deleteDocument(deps, ctx.params.name!, ctx.params.id!, ctx.state.deadline.signal);
  });

  router.post(searchRoute, ...guards(searchRoute), tools.json, async (ctx) => {
    const { body, cacheStatus } = await search(deps, ctx.params.name!, ctx.state.body, ctx.state.deadline.signal, cacheModeOf(ctx));
    setCacheStatus(ctx, cacheStatus);
    ctx.body = body;
  });
}
