/**
 * The caches hub: one `TieredCache` per cache name (sharing Redis when there is one), each behind
 * its `CachedCalls`, and the numbers `GET /health/cache` shows. Wiring only.
 */
import type { CacheConfig } from '../../config/cache.ts';
import { TieredCache } from '../../deps/cache/tiered-cache.ts';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { CACHE_NAMES, type CacheName } from '../../deps/cache/cache.ts';
import { CachedCalls } from './cached-calls.ts';

export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  errors: number;
  bypassed: number;
  /** hits / (hits + misses + stale + errors); 0 before the first lookup. Bypassed calls are not lookups. */
  hit_ratio: number;
  entries: number;
  bytes: number;
  evictions: number;
  singleflight_joins: number;
  ttl_ms: number;
  tiers: Array<'memory' | 'redis'>;
}

export type Caches = Record<CacheName, CachedCalls> & {
  /** Counts since start, per cache. */
  stats(): Record<CacheName, CacheStats>;
};

export interface CreateCachesOptions {
  config: CacheConfig;
  /** The shared tier; memory only when undefined (no REDIS_URL). */
  redis: RedisDependency | undefined;
  metrics: Metrics;
  logger: Logger;
}

export function createCaches(options: CreateCachesOptions): Caches {
  const { config, redis, metrics, logger } = options;
  const tiered = Object.fromEntries(
    CACHE_NAMES.map((name) => [name, new TieredCache({ name, ttlMs: config.ttlMs[name], graceMs: config.graceMs, memory: config.memory, redis, metrics })]),
  ) as Record<CacheName, TieredCache>;
  const calls = Object.fromEntries(CACHE_NAMES.map((name) => [name, new CachedCalls(tiered[name], metrics)])) as Record<CacheName, CachedCalls>;
  logger.info(
    { tiers: redis ? ['memory', 'redis'] : ['memory'], ttl_ms: config.ttlMs, grace_ms: config.graceMs, memory_max_bytes: config.memory.maxBytes },
    'caches ready',
  );
  const stats = (name: CacheName): CacheStats => {
    const counts = calls[name].stats();
    const lookups = counts.hits + counts.misses + counts.stale + counts.errors;
    return { ...counts, hit_ratio: lookups === 0 ? 0 : counts.hits / lookups, ...tiered[name].stats(), ttl_ms: tiered[name].ttlMs };
  };
  return { ...calls, stats: () => Object.fromEntries(CACHE_NAMES.map((name) => [name, stats(name)])) as Record<CacheName, CacheStats> };
}
