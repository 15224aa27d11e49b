/**
 * The cache capability: the contract every cached feature uses (embeddings per item, search
 * results, chat completions). Implemented by `TieredCache` (tiered-cache.ts: the in-process LRU
 * tier, memory-tier.ts, in front of the shared Redis tier, redis-tier.ts, when there is one);
 * features see only this interface, through `CachedCalls`.
 */

/** The caches Levee keeps: a bounded label. */
export const CACHE_NAMES = ['embeddings', 'search', 'chat'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];

/** A stored value with its clock: fresh until `freshUntil`, then servable as STALE until `staleUntil`. */
export interface CacheEntry<T> {
  value: T;
  storedAt: number;
  freshUntil: number;
  staleUntil: number;
}

export interface Cache {
  readonly name: CacheName;
  /** Fresh lifetime of new entries (ms). */
  readonly ttlMs: number;
  /** How long past its TTL an entry may still be served when the dependency fails (ms). */
  readonly graceMs: number;
  /** Never throws: a tier that fails is skipped (and counted). */
  get<T>(key: string): Promise<CacheEntry<T> | undefined>;
  /** Never throws. */
  set<T>(key: string, value: T): Promise<void>;
  /** Never throws. */
  delete(key: string): Promise<void>;
  /** What the in-process tier holds now, and which tiers there are. */
  stats(): TierStats;
}

export interface TierStats {
  entries: number;
  bytes: number;
  /** The in-process tier's bound in bytes (CACHE_MEMORY_MAX_BYTES): the LRU evicts past it. */
  max_bytes: number;
  evictions: number;
  tiers: Array<'memory' | 'redis'>;
}
