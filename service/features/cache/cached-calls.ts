/**
 * A cached call: answers from a fresh entry (HIT), else loads once for all concurrent callers
 * of the same key (single flight) and stores the value (MISS); when the load fails (the
 * dependency's breaker open, or the call itself) an entry still within its grace period is served
 * (STALE). Errors are never stored. Counted in `levee_cache_requests_total{cache,result}`.
 */
import type { Cache, CacheEntry } from '../../capabilities/cache/cache.ts';
import type { Metrics } from '../../telemetry/metrics.ts';

/** How a cacheable response was served, sent as `X-Cache`. */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE';

/** What the client asked of the cache (`Cache-Control`): `refresh` for no-cache, `bypass` for no-store. */
export type CacheMode = 'normal' | 'refresh' | 'bypass';

/** The `result` label of `levee_cache_requests_total`. */
const CACHE_RESULTS = ['hit', 'miss', 'stale', 'error', 'bypass'] as const;
export type CacheResult = (typeof CACHE_RESULTS)[number];

export interface CachedRun<T> {
  /** From `cacheKey(...)`: never raw user text. */
  key: string;
  mode: CacheMode;
  /** The upstream call. Shared by joiners: prefer a signal that is not one caller's alone. */
  load: () => Promise<T>;
  /** Whether a loaded value may be stored (default: any value but undefined). */
  storable?: (value: T) => boolean;
}

export interface CallStats {
  hits: number;
  misses: number;
  stale: number;
  errors: number;
  bypassed: number;
  singleflight_joins: number;
}

type Outcome<T> = { value: T; status: CacheStatus };

export class CachedCalls {
  readonly cache: Cache;
  readonly #metrics: Metrics;
  readonly #flights = new Map<string, Promise<unknown>>();
  readonly #counts: Record<CacheResult, number> = { hit: 0, miss: 0, stale: 0, error: 0, bypass: 0 };
  #joins = 0;

  constructor(cache: Cache, metrics: Metrics) {
    this.cache = cache;
    this.#metrics = metrics;
    for (const result of CACHE_RESULTS) metrics.cacheRequests.inc({ cache: cache.name, result }, 0);
    metrics.cacheSingleflightJoins.inc({ cache: cache.name }, 0);
  }

  /** False when the cache's TTL is 0: every call loads (and counts as bypass). */
  get enabled(): boolean {
    return this.cache.ttlMs > 0;
  }

  async run<T>(options: CachedRun<T>): Promise<Outcome<T>> {
    if (options.mode === 'bypass' || !this.enabled) {
      const value = await options.load();
      this.record('bypass');
      return { value, status: 'MISS' };
    }
    let entry: CacheEntry<T> | undefined;
    if (options.mode === 'normal') {
      entry = await this.cache.get<T>(options.key);
      if (entry && entry.freshUntil > Date.now()) {
        this.record('hit');
        return { value: entry.value, status: 'HIT' };
      }
    }
    try {
      const outcome = await this.shared(options.key, () => this.#load(options, entry));
      this.record(outcome.status === 'STALE' ? 'stale' : 'miss');
      return outcome;
    } catch (error) {
      this.record('error');
      throw error;
    }
  }

  /**
   * The single flight: while a load for `key` runs, callers asking for the same key join it
   * (counted) instead of loading again. Also for callers that consult `cache` themselves.
   */
  shared<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#flights.get(key) as Promise<T> | undefined;
    if (running) {
      this.#joins += 1;
      this.#metrics.cacheSingleflightJoins.inc({ cache: this.cache.name });
      return running;
    }
    const flight = load();
    this.#flights.set(key, flight);
    const forget = () => this.#flights.delete(key);
    flight.then(forget, forget);
    return flight;
  }

  /** Counts one cacheable request by result (for callers that consult `cache` themselves). */
  record(result: CacheResult): void {
    this.#counts[result] += 1;
    this.#metrics.cacheRequests.inc({ cache: this.cache.name, result });
  }

  /** Counts since start. */
  stats(): CallStats {
    const counts = this.#counts;
    return { hits: counts.hit, misses: counts.miss, stale: counts.stale, errors: counts.error, bypassed: counts.bypass, singleflight_joins: this.#joins };
  }

  async #load<T>(options: CachedRun<T>, entry: CacheEntry<T> | undefined): Promise<Outcome<T>> {
    let value: T;
    try {
      value = await options.load();
    } catch (error) {
      // A refresh did not read before loading: look now, the old answer beats an error.
      const stale = entry ?? (await this.cache.get<T>(options.key));
      if (stale && stale.staleUntil > Date.now()) return { value: stale.value, status: 'STALE' };
      throw error;
    }
    const storable = options.storable ? options.storable(value) : value !== undefined;
    if (storable) await this.cache.set(options.key, value);
    return { value, status: 'MISS' };
  }
}
