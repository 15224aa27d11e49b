/**
 * Levee's caches as the features and `GET /health/cache` see them: one `CachedCalls` per cache
 * name, and the numbers per cache since start (results, hit ratio, what the in-process tier holds).
 */
import { CACHE_NAMES, type CacheName } from '../../capabilities/cache/cache.ts';
import type { CachedCalls } from './cached-calls.ts';

interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  errors: number;
  bypassed: number;
  /** hits / (hits + misses + stale + errors); 0 before the first lookup. Bypassed calls are not lookups. */
  hit_ratio: number;
  entries: number;
  bytes: number;
  /** The in-process tier's bound (CACHE_MEMORY_MAX_BYTES). */
  max_bytes: number;
  evictions: number;
  singleflight_joins: number;
  ttl_ms: number;
  tiers: Array<'memory' | 'redis'>;
}

export type Caches = Record<CacheName, CachedCalls> & {
  /** Counts since start, per cache. */
  stats(): Record<CacheName, CacheStats>;
};

export function cachesOf(calls: Record<CacheName, CachedCalls>): Caches {
  const stats = (name: CacheName): CacheStats => {
    const { cache } = calls[name];
    const counts = calls[name].stats();
    const lookups = counts.hits + counts.misses + counts.stale + counts.errors;
    return { ...counts, hit_ratio: lookups === 0 ? 0 : counts.hits / lookups, ...cache.stats(), ttl_ms: cache.ttlMs };
  };
  return { ...calls, stats: () => Object.fromEntries(CACHE_NAMES.map((name) => [name, stats(name)])) as Record<CacheName, CacheStats> };
}
