/** Idempotency records in this replica's memory: a bounded LRU, each record expiring on its own. */
import { LRUCache } from 'lru-cache';
import type { Begin, IdempotencyRecord, IdempotencyStore } from './idempotency-store.ts';

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records: LRUCache<string, IdempotencyRecord>;

  /** `maxRecords`: the least recently used go first past it. */
  constructor(maxRecords: number) {
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
