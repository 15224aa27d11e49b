/**
 * `Cache` over two tiers: the in-process LRU in front of Redis (when there is one). Reads check
 * memory, then Redis, and fill memory on a Redis hit; writes go to both. A Redis failure leaves
 * the memory tier working and is counted in `levee_cache_tier_errors_total{tier="redis"}`; no
 * method ever throws.
 */
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import type { Cache, CacheEntry, CacheName, TierStats } from './cache.ts';
import { MemoryTier } from './memory-tier.ts';
import { RedisTier, TIER_FAILED } from './redis-tier.ts';

export interface TieredCacheOptions {
  name: CacheName;
  /** Fresh lifetime of new entries (ms); 0 turns the cache off (callers bypass it). */
  ttlMs: number;
  /** How long past its TTL an entry is kept to be served as STALE when the dependency fails (ms). */
  graceMs: number;
  memory: { maxEntries: number; maxBytes: number };
  /** The shared tier; memory only when absent. */
  redis?: RedisDependency;
  metrics: Metrics;
}

export class TieredCache implements Cache {
  readonly name: CacheName;
  readonly ttlMs: number;
  readonly graceMs: number;
  readonly memory: MemoryTier;
  readonly #redis: RedisTier | undefined;
  readonly #metrics: Metrics;

  constructor(options: TieredCacheOptions) {
    this.name = options.name;
    this.ttlMs = options.ttlMs;
    this.graceMs = options.graceMs;
    this.#metrics = options.metrics;
    this.memory = new MemoryTier({ name: options.name, ...options.memory, metrics: options.metrics });
    this.#redis = options.redis ? new RedisTier(options.redis, options.name) : undefined;
    for (const tier of ['memory', 'redis']) options.metrics.cacheTierErrors.inc({ cache: options.name, tier }, 0);
    options.metrics.cacheEvictions.inc({ cache: options.name }, 0);
    options.metrics.cacheEntries.set({ cache: options.name }, 0);
    options.metrics.cacheBytes.set({ cache: options.name }, 0);
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    const now = Date.now();
    const found = await this.#tier('memory', () => this.memory.get<T>(key));
    // keyv expires strictly after `expires`; an entry is gone at its `staleUntil`.
    const local = found !== TIER_FAILED && found && found.staleUntil > now ? found : undefined;
    if (local && local.freshUntil > now) return local;
    if (!this.#redis) return local;
    // Not fresh here: another replica may have stored a newer answer.
    const shared = await this.#redis.get<T>(key);
    if (shared === TIER_FAILED) {
      this.#failed('redis');
      return local;
    }
    if (!shared || shared.staleUntil <= Date.now() || (local && local.storedAt >= shared.storedAt)) return local;
    await this.#tier('memory', () => this.memory.set(key, shared));
    return shared;
  }

  async set<T>(key: string, value: T): Promise<void> {
    const now = Date.now();
    const entry: CacheEntry<T> = { value, storedAt: now, freshUntil: now + this.ttlMs, staleUntil: now + this.ttlMs + this.graceMs };
    const writes: Array<Promise<unknown>> = [this.#tier('memory', () => this.memory.set(key, entry))];
    if (this.#redis) writes.push(this.#redis.set(key, entry).then((ok) => ok || this.#failed('redis')));
    await Promise.all(writes);
  }

  async delete(key: string): Promise<void> {
    const deletes: Array<Promise<unknown>> = [this.#tier('memory', () => this.memory.delete(key))];
    if (this.#redis) deletes.push(this.#redis.delete(key).then((ok) => ok || this.#failed('redis')));
    await Promise.all(deletes);
  }

  stats(): TierStats {
    return {
      entries: this.memory.entries,
      bytes: this.memory.bytes,
      max_bytes: this.memory.lru.maxSize,
      evictions: this.memory.evictions,
      tiers: this.#redis ? ['memory', 'redis'] : ['memory'],
    };
  }

  /** Runs a memory-tier operation; a failure (which an LRU should never have) counts and reads as TIER_FAILED. */
  async #tier<R>(tier: 'memory', operation: () => Promise<R>): Promise<R | typeof TIER_FAILED> {
    try {
      return await operation();
    } catch {
      this.#failed(tier);
      return TIER_FAILED;
    }
  }

  #failed(tier: 'memory' | 'redis'): void {
    this.#metrics.cacheTierErrors.inc({ cache: this.name, tier });
  }
}
