/**
 * Where idempotency records live: Redis when configured (so a retry that lands on another replica
 * is recognised), else, or while Redis fails, a bounded in-memory LRU. A record is either
 * `running` (a lease that expires, so a request that died does not block its key forever) or
 * `done` with the response to replay.
 */
import { LRUCache } from 'lru-cache';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type IdempotencyRecord = { state: 'running'; fingerprint: string } | { state: 'done'; fingerprint: string; response: StoredResponse };

/** `acquired`: this request runs; otherwise the record that is already there. */
export type Begin = { acquired: true } | { acquired: false; record: IdempotencyRecord };

export interface IdempotencyStore {
  begin(key: string, fingerprint: string, leaseMs: number): Promise<Begin>;
  complete(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
  abandon(key: string): Promise<void>;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records: LRUCache<string, IdempotencyRecord>;

  constructor(maxRecords = 10_000) {
    this.#records = new LRUCache({ max: maxRecords, ttlAutopurge: false });
  }

  async begin(key: string, fingerprint: string, leaseMs: number): Promise<Begin> {
    const record = this.#records.get(key);
    if (record) return { acquired: false, record };
    this.#records.set(key, { state: 'running', fingerprint }, { ttl: leaseMs });
    return { acquired: true };
  }

  async complete(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    this.#records.set(key, record, { ttl: ttlMs });
  }

  async abandon(key: string): Promise<void> {
    this.#records.delete(key);
  }
}

/** Redis first; the memory store takes over for any operation Redis cannot answer. */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: RedisDependency;
  readonly #memory: MemoryIdempotencyStore;
  readonly #prefix: string;

  constructor(redis: RedisDependency, memory = new MemoryIdempotencyStore()) {
    this.#redis = redis;
    this.#memory = memory;
    this.#prefix = `${redis.keyPrefix}idempotency:`;
  }

  async begin(key: string, fingerprint: string, leaseMs: number): Promise<Begin> {
    const running = JSON.stringify({ state: 'running', fingerprint });
    const answer = await this.#redis.attempt('idempotency', 'idempotency', async (client, signal) => {
      const scoped = client.withAbortSignal(signal);
      if ((await scoped.set(this.#prefix + key, running, { NX: true, PX: leaseMs })) === 'OK') return { acquired: true } as const;
      const existing = await scoped.get(this.#prefix + key);
      // Expired between the two commands: run (the next duplicate will see this one's lease).
      return existing === null ? ({ acquired: true } as const) : ({ acquired: false, record: JSON.parse(existing) as IdempotencyRecord } as const);
    });
    return answer ?? this.#memory.begin(key, fingerprint, leaseMs);
  }

  async complete(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    const stored = await this.#redis.attempt('idempotency', 'idempotency', (client, signal) =>
      client.withAbortSignal(signal).set(this.#prefix + key, JSON.stringify(record), { PX: ttlMs }),
    );
    if (stored === undefined) await this.#memory.complete(key, record, ttlMs);
  }

  async abandon(key: string): Promise<void> {
    await this.#redis.attempt('idempotency', 'idempotency', (client, signal) => client.withAbortSignal(signal).del(this.#prefix + key));
    await this.#memory.abandon(key);
  }
}
