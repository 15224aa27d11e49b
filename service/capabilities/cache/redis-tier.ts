/**
 * The shared tier: plain GET and SET PX of the JSON entry, each through `RedisDependency.attempt`
 * so it is bounded by Redis's timeout and guarded by its breaker, and a failure is an answer
 * (undefined), never an exception.
 *
 * Why not `@keyv/redis`: it bundles its own `@redis/client` 5 (Levee's client is node-redis 6, so
 * it cannot take ours), it calls `connect()` itself and adds its own listeners, and its commands
 * cannot carry the attempt's abort signal. Two plain commands through our policies are simpler.
 */
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';
import type { CacheEntry, CacheName } from './cache.ts';

/** A read the tier could not answer (Redis failed or was skipped), apart from a plain miss. */
export const TIER_FAILED = Symbol('tier failed');

export class RedisTier {
  readonly #redis: RedisDependency;
  readonly #prefix: string;

  constructor(redis: RedisDependency, name: CacheName) {
    this.#redis = redis;
    this.#prefix = `${redis.keyPrefix}cache:${name}:`;
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined | typeof TIER_FAILED> {
    const raw = await this.#redis.attempt(SHARED_FEATURE.caches, 'cache', (client, signal) => client.withAbortSignal(signal).get(this.#prefix + key));
    if (raw === undefined) return TIER_FAILED;
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as CacheEntry<T>;
    } catch {
      return TIER_FAILED;
    }
  }

  /** False when Redis failed or was skipped. */
  async set<T>(key: string, entry: CacheEntry<T>): Promise<boolean> {
    const ttlMs = Math.ceil(entry.staleUntil - Date.now());
    if (ttlMs <= 0) return true;
    const payload = JSON.stringify(entry);
    const reply = await this.#redis.attempt(SHARED_FEATURE.caches, 'cache', (client, signal) => client.withAbortSignal(signal).set(this.#prefix + key, payload, { PX: ttlMs }));
    return reply !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    const reply = await this.#redis.attempt(SHARED_FEATURE.caches, 'cache', (client, signal) => client.withAbortSignal(signal).del(this.#prefix + key));
    return reply !== undefined;
  }
}
