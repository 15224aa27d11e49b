/**
 * Builds the caches: one `TieredCache` per cache name (its Redis tier only when there is a
 * Redis), each behind its `CachedCalls`. Wiring only.
 */
import { CACHE_NAMES, type CacheName } from '../capabilities/cache/cache.ts';
import { TieredCache } from '../capabilities/cache/tiered-cache.ts';
import type { CacheConfig } from '../config/cache.ts';
import type { RedisDependency } from '../deps/redis/redis-dependency.ts';
import { CachedCalls } from '../features/cache/cached-calls.ts';
import { cachesOf, type Caches } from '../features/cache/caches.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface CreateCachesOptions {
  config: CacheConfig;
  /** The shared tier; memory only when undefined (no REDIS_URL). */
  redis: RedisDependency | undefined;
  metrics: Metrics;
  logger: Logger;
}

export function createCaches({ config, redis, metrics, logger }: CreateCachesOptions): Caches {
  const calls = Object.fromEntries(
    CACHE_NAMES.map((name) => {
      const tiered = new TieredCache({ name, ttlMs: config.ttlMs[name], graceMs: config.graceMs, memory: config.memory, redis, metrics });
      return [name, new CachedCalls(tiered, metrics)];
    }),
  ) as Record<CacheName, CachedCalls>;
  logger.info(
    { tiers: redis ? ['memory', 'redis'] : ['memory'], ttl_ms: config.ttlMs, grace_ms: config.graceMs, memory_max_bytes: config.memory.maxBytes },
    'caches ready',
  );
  return cachesOf(calls);
}
