/**
 * The cache's Redis tier against a real redis-server: two replicas' caches share entries through
 * it, and when Redis dies caching goes on in memory with no error, the tier failure counted:
 * losing the shared tier must cost hit ratio, never an answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TieredCache } from '../service/capabilities/cache/tiered-cache.ts';
import { RedisDependency } from '../service/deps/redis/redis-dependency.ts';
import { CachedCalls } from '../service/features/cache/cached-calls.ts';
import { createLogger } from '../service/telemetry/logger.ts';
import { createMetrics, type Metrics } from '../service/telemetry/metrics.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';
import { waitFor } from './support/wait-for.ts';

const config = {
  redis: { keyPrefix: 'test:', timeoutMs: 100, maxConcurrent: 16, breakerFailures: 100, breakerHalfOpenAfterMs: 1_000 },
  breakerFlushMs: 50,
  syncIntervalMs: 1_000,
};

async function tierErrors(metrics: Metrics, tier: string): Promise<number> {
  const { values } = await metrics.cacheTierErrors.get();
  return values.find((sample) => sample.labels.cache === 'search' && sample.labels.tier === tier)?.value ?? 0;
}

describe('cache Redis tier', () => {
  let server: RedisServer;
  const replicas: Array<{ redis: RedisDependency; metrics: Metrics; cache: TieredCache }> = [];

  before(async () => {
    server = await startRedisServer();
    for (let index = 0; index < 2; index += 1) {
      const metrics = createMetrics();
      const redis = new RedisDependency({ url: server.url, config, metrics, logger: createLogger({ level: 'silent' }) });
      assert.equal(await redis.connect(2_000), true);
      const cache = new TieredCache({ name: 'search', ttlMs: 60_000, graceMs: 10_000, memory: { maxEntries: 100, maxBytes: 100_000 }, redis, metrics });
      replicas.push({ redis, metrics, cache });
    }
  });
  after(async () => {
    for (const { redis } of replicas) await redis.close();
    await server.stop();
  });

  it('shares entries between replicas under the cache key prefix, with a TTL of TTL + grace', async () => {
    const [a, b] = replicas;
    await a!.cache.set('k1', { hits: ['doc-1'] });
    const entry = await b!.cache.get<{ hits: string[] }>('k1');
    assert.deepEqual(entry?.value, { hits: ['doc-1'] });
    assert.equal(b!.cache.stats().entries, 1, 'a Redis hit fills the memory tier');
    const client = a!.redis.connection.commands;
    assert.deepEqual(await client.keys('test:cache:search:*'), ['test:cache:search:k1']);
    const ttl = await client.pTTL('test:cache:search:k1');
    assert.ok(ttl > 69_000 && ttl <= 70_000, `PX is TTL + grace (${ttl})`);
    await b!.cache.delete('k1');
    assert.equal(await client.exists('test:cache:search:k1'), 0);
  });

  it('serves a newer entry from Redis over a stale local one', async () => {
    const [a, b] = replicas;
    const cached = new TieredCache({ name: 'search', ttlMs: 1, graceMs: 60_000, memory: { maxEntries: 10, maxBytes: 10_000 }, redis: b!.redis, metrics: b!.metrics });
    await cached.set('k2', 'old');
    // Wait until the local entry is no longer fresh (its TTL is 1 ms): only then does a read look
    // in Redis, where the entry stored from now on is the newer one.
    const local = await cached.memory.get<string>('k2');
    await waitFor(() => Date.now() > local!.freshUntil, { timeoutMs: 1_000, intervalMs: 1, what: 'the local entry to go stale' });
    await a!.cache.set('k2', 'new');
    assert.equal((await cached.get('k2'))?.value, 'new');
  });

  it('goes on in memory when Redis dies: no error, the tier failure counted', async () => {
    const [a] = replicas;
    const calls = new CachedCalls(a!.cache, a!.metrics);
    await server.kill();
    const before = await tierErrors(a!.metrics, 'redis');
    let loads = 0;
    const load = async () => ++loads;
    assert.deepEqual(await calls.run({ key: 'k3', mode: 'normal', load }), { value: 1, status: 'MISS' });
    assert.deepEqual(await calls.run({ key: 'k3', mode: 'normal', load }), { value: 1, status: 'HIT' });
    await a!.cache.set('k4', 'x');
    assert.equal((await a!.cache.get('k4'))?.value, 'x');
    await a!.cache.delete('k4');
    assert.equal(await a!.cache.get('k4'), undefined);
    assert.equal(loads, 1);
    assert.ok((await tierErrors(a!.metrics, 'redis')) > before, 'levee_cache_tier_errors_total{tier="redis"} rose');
    assert.equal(await tierErrors(a!.metrics, 'memory'), 0);
    assert.equal(calls.stats().errors, 0);
    const degraded = (await a!.metrics.sharedStateDegraded.get()).values.find((sample) => sample.labels.feature === 'caches');
    assert.equal(degraded?.value, 1);
    await server.restart();
  });
});
