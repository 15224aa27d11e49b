/**
 * The in-process tier: keyv over an `LRUCache` bounded in entries and in bytes (the JSON size of
 * each stored entry, which is what keyv keeps: a serialised string). Keyv handles expiry on read;
 * the LRU bounds bring memory down, and each eviction is counted.
 */
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheName } from './cache.ts';
import type { Metrics } from '../../telemetry/metrics.ts';

export interface MemoryTierOptions {
  name: CacheName;
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes (UTF-8 size of the serialised entries) kept; the LRU evicts past it. */
  maxBytes: number;
  metrics: Metrics;
}

export class MemoryTier {
  /** Read-only access for stats and tests; writes go through keyv. */
  readonly lru: LRUCache<string, string>;
  readonly #keyv: Keyv<CacheEntry<unknown>>;
  readonly #metrics: Metrics;
  readonly #labels: { cache: CacheName };
  #evictions = 0;

  constructor(options: MemoryTierOptions) {
    this.#metrics = options.metrics;
    this.#labels = { cache: options.name };
    this.lru = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (value) => Math.max(1, Buffer.byteLength(value)),
      dispose: (_value, _key, reason) => {
        if (reason !== 'evict') return;
        this.#evictions += 1;
        this.#metrics.cacheEvictions.inc(this.#labels);
      },
    });
    // keyv calls `store.set(key, value, ttlMs)`, but LRUCache's third argument is an options object:
    // adapt. Expiry stays keyv's (it stores `expires` with the value and drops it on read).
    const lru = this.lru;
    const store = {
      get: (key: string) => lru.get(key),
      set: (key: string, value: string) => void lru.set(key, value),
      delete: (key: string) => lru.delete(key),
      clear: () => lru.clear(),
    };
    this.#keyv = new Keyv<CacheEntry<unknown>>({ store, useKeyPrefix: false, namespace: undefined });
    // keyv reports store errors as events too; an unheard 'error' must not crash (set() reports it).
    this.#keyv.on('error', () => undefined);
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  get evictions(): number {
    return this.#evictions;
  }

  get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    return this.#keyv.get(key) as Promise<CacheEntry<T> | undefined>;
  }

  /** Kept until the entry's `staleUntil`. */
  async set<T>(key: string, entry: CacheEntry<T>): Promise<void> {
    const ttlMs = entry.staleUntil - Date.now();
    if (ttlMs <= 0) return;
    const stored = await this.#keyv.set(key, entry, ttlMs);
    this.#updateGauges();
    // keyv turns a store failure into `false` (and an 'error' event, counted above).
    if (!stored) throw new Error('memory tier refused the entry');
  }

  async delete(key: string): Promise<void> {
    await this.#keyv.delete(key);
    this.#updateGauges();
  }

  #updateGauges(): void {
    this.#metrics.cacheEntries.set(this.#labels, this.lru.size);
    this.#metrics.cacheBytes.set(this.#labels, this.lru.calculatedSize);
  }
}
