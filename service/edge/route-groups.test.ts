/** Route groups against the routes Levee really mounts: every /v1 route has its endpoint group. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router } from '@koa/router';
import { RATE_LIMIT_ROUTE_GROUPS } from '../config/rate-limits.ts';
import { endpointGroupOf, groupCoversRequest, groupTouchesRoute, UNMATCHED_ROUTE } from './route-groups.ts';
import type { RouteTools } from './route-tools.ts';
import { batchRoutes } from './routes/batches.ts';
import { eventRoutes } from './routes/events.ts';
import { fileRoutes } from './routes/files.ts';
import { importRoutes } from './routes/imports.ts';
import { retrievalRoutes } from './routes/retrieval.ts';
import { v1Routes } from './routes/v1.ts';
import type { LeveeState } from './state.ts';

/** Every /v1 route as [method, pattern]; handlers never run, so their dependencies are left out. */
function mountedV1Routes(): Array<[string, string]> {
  const router = new Router<LeveeState>();
  const tools: RouteTools = { json: (_ctx, next) => next(), idempotent: () => [] };
  const none = {} as never;
  v1Routes(router, tools, { chat: none, embeddings: none, models: none, conversations: none });
  retrievalRoutes(router, tools, none);
  fileRoutes(router, none);
  batchRoutes(router, tools, none);
  importRoutes(router, tools, none);
  eventRoutes(router, none);
  return router.stack.flatMap((layer) => {
    const route = String(layer.path);
    return route.startsWith('/v1/') ? layer.methods.filter((method) => method !== 'HEAD').map((method): [string, string] => [method, route]) : [];
  });
}

describe('rate-limit route groups', () => {
  const routes = mountedV1Routes();

  it('put every mounted /v1 route in an endpoint group, and every endpoint group has routes', () => {
    assert.ok(routes.length >= 25, `${routes.length} routes`);
    assert.deepEqual(routes.filter(([, route]) => endpointGroupOf(route) === undefined), []);
    const used = new Set(routes.map(([, route]) => endpointGroupOf(route)));
    assert.deepEqual(RATE_LIMIT_ROUTE_GROUPS.filter((group) => group !== 'all' && group !== 'ai' && !used.has(group)), []);
  });

  it('puts imports in imports, not retrieval, though they live under /v1/collections', () => {
    assert.equal(endpointGroupOf('/v1/collections/:name/imports/:id'), 'imports');
    assert.equal(endpointGroupOf('/v1/collections/:name/documents'), 'retrieval');
    assert.equal(endpointGroupOf('/v1/chat/completions'), 'chat');
  });

  it('`ai` covers exactly the routes that call the LLM for the client', () => {
    const ai = routes.filter(([method, route]) => groupCoversRequest('ai', route, method));
    assert.deepEqual(ai.map(([method, route]) => `${method} ${route}`).sort(), [
      'POST /v1/chat/completions',
      'POST /v1/collections/:name/documents',
      'POST /v1/collections/:name/search',
      'POST /v1/embeddings',
    ]);
    assert.equal(groupTouchesRoute('ai', '/v1/collections/:name/documents'), true, 'guarded on the route, applied by method');
    assert.equal(groupCoversRequest('ai', '/v1/collections/:name/documents', 'GET'), false, 'listing documents embeds nothing');
  });

  it('covers /v1 paths no route serves with `all` only', () => {
    assert.deepEqual(RATE_LIMIT_ROUTE_GROUPS.filter((group) => groupTouchesRoute(group, UNMATCHED_ROUTE)), ['all']);
  });
});
