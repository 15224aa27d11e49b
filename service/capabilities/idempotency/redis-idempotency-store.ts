/**
 * Idempotency records in Redis (`<prefix>idempotency:<hash>`), shared by the fleet: SET NX PX takes
 * a key, SET PX stores the final record. Redis first; the memory store takes over for any
 * operation Redis cannot answer.
 */
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';
import type { Begin, IdempotencyRecord, IdempotencyStore } from './idempotency-store.ts';
import type { MemoryIdempotencyStore } from './memory-idempotency-store.ts';

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: RedisDependency;
  readonly #memory: MemoryIdempotencyStore;
  readonly #prefix: string;

  constructor(redis: RedisDependency, memory: MemoryIdempotencyStore) {
    this.#redis = redis;
    this.#memory = memory;
    this.#prefix = `${redis.keyPrefix}idempotency:`;
  }

  async begin(key: string, fingerprint: string, leaseMs: number): Promise<Begin> {
    // A record this replica had to keep locally (Redis missed its begin or complete) is newer than
    // what Redis holds for the key: a stale "running" lease there would answer 409 until it lapsed.
    const local = this.#memory.find(key);
    if (local) return { acquired: false, record: local };
    const running = JSON.stringify({ state: 'running', fingerprint });
    const answer = await this.#redis.attempt(SHARED_FEATURE.idempotency, 'idempotency', async (client, signal) => {
      const scoped = client.withAbortSignal(signal);
      if ((await scoped.set(this.#prefix + key, running, { NX: true, PX: leaseMs })) === 'OK') return { acquired: true } as const;
      const existing = await scoped.get(this.#prefix + key);
      // Expired between the two commands: run (the next duplicate will see this one's lease).
      return existing === null ? ({ acquired: true } as const) : ({ acquired: false, record: JSON.parse(existing) as IdempotencyRecord } as const);
    });
    return answer ?? this.#memory.begin(key, fingerprint, leaseMs);
  }

  async complete(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    const stored = await this.#redis.attempt(SHARED_FEATURE.idempotency, 'idempotency', (client, signal) =>
      client.withAbortSignal(signal).set(this.#prefix + key, JSON.stringify(record), { PX: ttlMs }),
    );
    if (stored === undefined) await this.#memory.complete(key, record, ttlMs);
    // Redis has the final record: a local lease from a begin that fell back must not shadow it.
    else await this.#memory.abandon(key);
  }

  async abandon(key: string): Promise<void> {
    await this.#redis.attempt(SHARED_FEATURE.idempotency, 'idempotency', (client, signal) => client.withAbortSignal(signal).del(this.#prefix + key));
    await this.#memory.abandon(key);
  }
}
