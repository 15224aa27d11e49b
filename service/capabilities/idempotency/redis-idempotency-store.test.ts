/**
 * RedisIdempotencyStore when single Redis commands fail (a timeout during an event-loop stall):
 * what this replica had to keep locally must win over what Redis was left holding. Redis is a
 * map behind a fake `attempt` that answers undefined (Redis failed) when told to; the real
 * redis-server cases are in test/idempotency.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import type { IdempotencyRecord } from './idempotency-store.ts';
import { MemoryIdempotencyStore } from './memory-idempotency-store.ts';
import { RedisIdempotencyStore } from './redis-idempotency-store.ts';

const LEASE_MS = 130_000;
const TTL_MS = 86_400_000;
const done: IdempotencyRecord = { state: 'done', fingerprint: 'f', response: { status: 200, body: { ok: true }, headers: {} } };

/** A Redis whose next commands fail while `failing` is true. */
function flakyRedis() {
  const values = new Map<string, string>();
  const redis = { failing: false, values };
  const client = {
    withAbortSignal: () => ({
      set: async (key: string, value: string, options: { NX?: boolean }) => {
        if (options.NX && values.has(key)) return null;
        values.set(key, value);
        return 'OK';
      },
      get: async (key: string) => values.get(key) ?? null,
      del: async (key: string) => Number(values.delete(key)),
    }),
  };
  const dependency = {
    keyPrefix: 'levee:',
    attempt: async <T>(_feature: string, _operation: string, command: (c: typeof client, signal: AbortSignal) => Promise<T>) =>
      redis.failing ? undefined : command(client, new AbortController().signal),
  } as unknown as RedisDependency;
  return { redis, dependency };
}

describe('RedisIdempotencyStore with a Redis that fails now and then', () => {
  it('replays a record whose final write fell back to memory, instead of 409 on the lease Redis still holds', async () => {
    const { redis, dependency } = flakyRedis();
    const store = new RedisIdempotencyStore(dependency, new MemoryIdempotencyStore(10));
    assert.deepEqual(await store.begin('k', 'f', LEASE_MS), { acquired: true });
    redis.failing = true;
    await store.complete('k', done, TTL_MS);
    redis.failing = false;
    assert.equal(JSON.parse(redis.values.get('levee:idempotency:k')!).state, 'running', 'Redis was left with the lease');
    assert.deepEqual(await store.begin('k', 'f', LEASE_MS), { acquired: false, record: done });
  });

  it('drops the local lease of a begin that fell back once Redis has taken the final record', async () => {
    const { redis, dependency } = flakyRedis();
    const store = new RedisIdempotencyStore(dependency, new MemoryIdempotencyStore(10));
    redis.failing = true;
    assert.deepEqual(await store.begin('k', 'f', LEASE_MS), { acquired: true });
    redis.failing = false;
    await store.complete('k', done, TTL_MS);
    assert.deepEqual(await store.begin('k', 'f', LEASE_MS), { acquired: false, record: done }, 'the record from Redis, not the stale local lease');
  });

  it('answers a duplicate of a request running on local state as running', async () => {
    const { redis, dependency } = flakyRedis();
    const store = new RedisIdempotencyStore(dependency, new MemoryIdempotencyStore(10));
    redis.failing = true;
    await store.begin('k', 'f', LEASE_MS);
    redis.failing = false;
    assert.deepEqual(await store.begin('k', 'f', LEASE_MS), { acquired: false, record: { state: 'running', fingerprint: 'f' } });
  });
});
