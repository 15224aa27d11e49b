/**
 * The cache contract every cached feature uses (embeddings per item, search results, chat
 * completions). Implemented by `TieredCache` (an in-process LRU in front of Redis through keyv);
 * features only see this interface and `cachedCall`.
 */

/** The caches Levee keeps: a bounded label. */
export const CACHE_NAMES = ['embeddings', 'search', 'chat'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];

/** How a cacheable response was served, sent as `X-Cache`. */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE';

/** What the client asked of the cache (`Cache-Control`): `refresh` for no-cache, `bypass` for no-store. */
export type CacheMode = 'normal' | 'refresh' | 'bypass';

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
}
