/**
 * The Redis quota store's scripts against a real redis-server: two stores stand for two replicas.
 * The bucket arithmetic is the unit-tested local one; this checks that Redis keeps the same
 * semantics, that a dead replica's lease expires, and that every operation falls back to local
 * state when Redis is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACQUIRE_LEASE } from '../service/capabilities/quotas/quota-scripts.ts';
import { RedisQuotaStore } from '../service/capabilities/quotas/redis-quota-store.ts';
import { RedisDependency } from '../service/deps/redis/redis-dependency.ts';
import type { QuotaLimits } from '../service/resilience/outgoing-quota.ts';
import { createLogger } from '../service/telemetry/logger.ts';
import { createMetrics } from '../service/telemetry/metrics.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';
import { waitFor } from './support/wait-for.ts';

const SIGNAL = new AbortController().signal;
const limits = (overrides: Partial<QuotaLimits>): QuotaLimits => ({ requestsPerMinute: 0, concurrent: 0, tokensPerMinute: 0, ...overrides });
const LEASES = limits({ concurrent: 2 });
type QuotaSnapshot = Awaited<ReturnType<RedisQuotaStore['snapshot']>>;

describe('RedisQuotaStore', () => {
  let server: RedisServer;
  let redis: RedisDependency;
  const store = (dependency: string) => new RedisQuotaStore({ redis, dependency });
  /**
   * Debits and releases are fire-and-forget writes: wait until Redis itself shows the state
   * (a snapshot in shared mode; the local mirror would show it at once).
   */
  const untilRedisShows = (replica: RedisQuotaStore, quota: QuotaLimits, holds: (snapshot: QuotaSnapshot) => boolean, what: string) =>
    waitFor(async () => {
      const snapshot = await replica.snapshot(quota, SIGNAL);
      return snapshot.mode === 'shared' && holds(snapshot);
    }, { timeoutMs: 2_000, what });

  before(async () => {
    server = await startRedisServer();
    const config = {
      redis: { keyPrefix: 'test:', timeoutMs: 100, maxConcurrent: 16, breakerFailures: 100, breakerHalfOpenAfterMs: 1_000 },
      breakerFlushMs: 50,
      syncIntervalMs: 1_000,
    };
    redis = new RedisDependency({ url: server.url, config, metrics: createMetrics(), logger: createLogger({ level: 'silent' }) });
    assert.equal(await redis.connect(2_000), true);
  });
  after(async () => {
    await redis.close();
    await server.stop();
  });

  it('shares one requests bucket between replicas, and says how long to wait', async () => {
    const [a, b] = [store('requests'), store('requests')];
    const quota = limits({ requestsPerMinute: 4 });
    const admitted = [];
    for (const replica of [a, b, a, b, a]) admitted.push((await replica.admit(quota, SIGNAL)).admitted);
    assert.deepEqual(admitted, [true, true, true, true, false]);
    const refused = await b.admit(quota, SIGNAL);
    assert.equal(refused.admitted, false);
    if (!refused.admitted) {
      assert.equal(refused.quota, 'requests');
      assert.ok(refused.waitMs > 14_000 && refused.waitMs <= 15_000, `one request refills in 15 s (${refused.waitMs})`);
    }
    const snapshot = await a.snapshot(quota, SIGNAL);
    assert.equal(snapshot.mode, 'shared');
    assert.equal(snapshot.requests_available, 0);
    assert.deepEqual(await redis.connection.commands.keys('test:quota:requests:*'), ['test:quota:requests:requests']);
  });

  it('keeps the reserve a background call leaves for interactive ones, on every replica', async () => {
    const [a, b] = [store('reserve'), store('reserve')];
    const quota = limits({ requestsPerMinute: 8 });
    const background = [];
    for (const replica of [a, b, a, b, a]) background.push((await replica.admit(quota, SIGNAL, 0.5)).admitted);
    assert.deepEqual(background, [true, true, true, true, false], 'half of 8 for background calls');
    const interactive = [];
    for (const replica of [b, a, b, a, b]) interactive.push((await replica.admit(quota, SIGNAL)).admitted);
    assert.deepEqual(interactive, [true, true, true, true, false], 'the other half is still there');
  });

  it('holds every replica back while the token budget is in debt', async () => {
    const [a, b] = [store('tokens'), store('tokens')];
    const quota = limits({ tokensPerMinute: 6_000 });
    assert.equal((await a.admit(quota, SIGNAL)).admitted, true);
    a.debitTokens(6_000, 6_600); // 600 in debt: 6 s
    await untilRedisShows(a, quota, (snapshot) => (snapshot.tokens_available ?? 0) < 0, 'the token debt in Redis');
    const refused = await b.admit(quota, SIGNAL);
    assert.equal(refused.admitted, false);
    if (!refused.admitted) {
      assert.equal(refused.quota, 'tokens');
      assert.ok(refused.waitMs > 5_000 && refused.waitMs <= 6_000, `waits out the debt (${refused.waitMs})`);
    }
  });

  it('counts leases across replicas, frees them on release, and expires those of a replica that died', async () => {
    const [a, b] = [store('leases'), store('leases')];
    const first = await a.acquireLease(2, SIGNAL);
    const second = await b.acquireLease(2, SIGNAL);
    assert.ok(first.lease && second.lease);
    assert.equal((await a.acquireLease(2, SIGNAL)).lease, undefined, 'the fleet holds 2 of 2');
    first.lease.release();
    await untilRedisShows(a, LEASES, (snapshot) => snapshot.leases_in_use === 1, 'the released lease to leave Redis');
    const third = await a.acquireLease(2, SIGNAL);
    assert.ok(third.lease, 'a released lease is free for any replica');
    third.lease.release();
    await untilRedisShows(a, LEASES, (snapshot) => snapshot.leases_in_use === 1, 'the released lease to leave Redis');

    // A replica that took a lease and died: nobody renews it, so it lapses after its TTL (150 ms here).
    assert.deepEqual(await ACQUIRE_LEASE.run(redis.connection.commands, SIGNAL, [a.keys.leases], [2, 'dead-replica', 150]), [1, 2]);
    assert.equal((await a.acquireLease(2, SIGNAL)).lease, undefined);
    await untilRedisShows(a, LEASES, (snapshot) => snapshot.leases_in_use === 1, 'the dead replica’s lease to lapse');
    const afterDeath = await a.acquireLease(2, SIGNAL);
    assert.ok(afterDeath.lease, 'the dead replica’s lease expired');
    assert.equal((await a.snapshot(limits({ concurrent: 2 }), SIGNAL)).leases_in_use, 2);
    second.lease.release();
    afterDeath.lease.release();
  });

  it('falls back to local state, with the same semantics, while Redis is down', async () => {
    const fallback = store('fallback');
    await server.kill();
    try {
      const quota = limits({ requestsPerMinute: 2, concurrent: 1 });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await fallback.admit(quota, SIGNAL)).admitted);
      assert.deepEqual(answers, [true, true, false]);
      const lease = await fallback.acquireLease(1, SIGNAL);
      assert.ok(lease.lease);
      assert.equal((await fallback.acquireLease(1, SIGNAL)).lease, undefined);
      assert.equal((await fallback.snapshot(quota, SIGNAL)).mode, 'local');
      lease.lease.release();
    } finally {
      await server.restart();
    }
  });
});
