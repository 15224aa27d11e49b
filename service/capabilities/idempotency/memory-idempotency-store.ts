/**
 * Idempotency records in this replica's memory: an LRU bounded in records and in bytes, each
 * record expiring on its own. Bytes too: a stored answer can be megabytes (2,048 embeddings), and
 * ten thousand of them would take the process down; a record past the whole budget is not kept
 * (its retry runs afresh, as after an eviction).
 */
import { LRUCache } from 'lru-cache';
import type { Begin, IdempotencyRecord, IdempotencyStore } from './idempotency-store.ts';

/** The records' JSON size in all, by default (CACHE_MEMORY_MAX_BYTES's default, for the same reason). */
const IDEMPOTENCY_MEMORY_MAX_BYTES = 64 * 1024 * 1024;

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records: LRUCache<string, IdempotencyRecord>;

  /** `maxRecords` and `maxBytes` (JSON size): the least recently used go first past either. */
  constructor(maxRecords: number, maxBytes = IDEMPOTENCY_MEMORY_MAX_BYTES) {
    this.#records = new LRUCache({ max: maxRecords, maxSize: maxBytes, sizeCalculation: (record) => JSON.stringify(record).length, ttlAutopurge: false });
  }

  async begin(key: string, fingerprint: string, leaseMs: number): Promise<Begin> {
    const record = this.#records.get(key);
    if (record) return { acquired: false, record };
    this.#records.set(key, { state: 'running', fingerprint }, { ttl: leaseMs });
    return { acquired: true };
  }

  /** The record held for `key`, if any (a lookup that takes nothing). */
  find(key: string): IdempotencyRecord | undefined {
    return this.#records.get(key);
  }

  async complete(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    this.#records.set(key, record, { ttl: ttlMs });
  }

  async abandon(key: string): Promise<void> {
    this.#records.delete(key);
  }
}
