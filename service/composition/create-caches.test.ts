import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Router } from '@koa/router';
import Koa from 'koa';
import { cacheHealthRoutes } from '../edge/routes/cache-health.ts';
import type { LeveeState } from '../edge/state.ts';
import { createLogger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { createCaches } from './create-caches.ts';

const config = { memory: { maxEntries: 100, maxBytes: 100_000 }, ttlMs: { embeddings: 1_000, search: 1_000, chat: 0 }, graceMs: 500 };

describe('createCaches', () => {
  it('counts per cache and serves GET /health/cache', async () => {
    const metrics = createMetrics();
    const caches = createCaches({ config, redis: undefined, metrics, logger: createLogger({ level: 'silent' }) });
    const load = async () => 'v';
    await caches.search.run({ key: 'k', mode: 'normal', load });
    await caches.search.run({ key: 'k', mode: 'normal', load });
    await caches.search.run({ key: 'k', mode: 'normal', load });
    await caches.chat.run({ key: 'k', mode: 'normal', load });

    const router = new Router<LeveeState>();
    cacheHealthRoutes(router, caches);
    const app = new Koa<LeveeState>().use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health/cache`);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = (await response.json()) as { caches: Record<string, Record<string, unknown>> };
      assert.deepEqual(Object.keys(body.caches), ['embeddings', 'search', 'chat']);
      assert.deepEqual(body.caches.search, {
        hits: 2, misses: 1, stale: 0, errors: 0, bypassed: 0, hit_ratio: 2 / 3, singleflight_joins: 0,
        entries: 1, bytes: body.caches.search!.bytes, max_bytes: 100_000, evictions: 0, ttl_ms: 1_000, tiers: ['memory'],
      });
      assert.ok((body.caches.search!.bytes as number) > 0);
      assert.equal(body.caches.chat!.bypassed, 1, 'TTL 0: the chat cache is off');
      assert.equal(body.caches.embeddings!.hit_ratio, 0);
    } finally {
      server.close();
    }
    const requests = (await metrics.cacheRequests.get()).values;
    assert.equal(requests.length, 15, 'every cache × result initialised');
  });
});
