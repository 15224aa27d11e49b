/**
 * The rate-limit capability's implementation: one counter per scope (client key name, client IP),
 * each a fixed window of RATE_LIMIT_WINDOW_SECONDS that starts at the identity's first request
 * (rate-limiter-flexible's counter with a TTL).
 *
 * With Redis the count is shared by every replica (`<prefix>ratelimit:<scope>:<identity>`). The
 * Redis limiter runs inside `redis.attempt`, so a slow or dead Redis trips Redis's own timeout and
 * breaker and this replica falls back to an in-memory count for the request. That local count
 * allows `limit / localShare()` (at least 1), so the fleet as a whole stays near the limit while
 * Redis is away. rate-limiter-flexible's built-in `insuranceLimiter` is not used: it would swallow
 * Redis failures where our breaker and degradation metrics cannot see them.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../../config/shared-state.ts';
import type { RedisClient } from '../../deps/redis/client.ts';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';
import { RATE_LIMIT_WINDOW_SECONDS, type InboundRateLimits, type RateLimit, type RateLimitDecision, type RateLimitScope } from './rate-limit.ts';

interface ScopeRateLimitOptions {
  scope: RateLimitScope;
  /** Requests per identity per minute; 0 turns the limit off. */
  perMinute: number;
  /** Unset: counts stay in this replica's memory. */
  redis?: RedisDependency | undefined;
  /** This replica's share of the fleet while counting locally (e.g. live replicas). Default: 1. */
  localShare?: () => number;
}

export class ScopeRateLimit implements RateLimit {
  readonly scope: RateLimitScope;
  readonly perMinute: number;
  readonly #redis: RedisDependency | undefined;
  readonly #redisKeyPrefix: string;
  readonly #local: RateLimiterMemory;
  readonly #localShare: () => number;

  constructor(options: ScopeRateLimitOptions) {
    this.scope = options.scope;
    this.perMinute = options.perMinute;
    this.#redis = options.redis;
    this.#redisKeyPrefix = `${options.redis?.keyPrefix ?? ''}ratelimit:${options.scope}`;
    this.#localShare = options.localShare ?? (() => 1);
    this.#local = new RateLimiterMemory({ points: Math.max(1, options.perMinute), duration: RATE_LIMIT_WINDOW_SECONDS, keyPrefix: options.scope });
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Counts one request by `identity` and says whether it is within the limit. */
  async consume(identity: string, signal?: AbortSignal): Promise<RateLimitDecision> {
    const shared = this.#redis ? await this.#redis.attempt(SHARED_FEATURE.rateLimits, 'rate_limit', (client, attemptSignal) => this.#consumeShared(client, attemptSignal, identity), signal) : undefined;
    if (shared) return this.#decision(shared, this.perMinute, true);
    return this.#decision(await this.#consumeLocal(identity), this.#local.points, false);
  }

  async #consumeShared(client: RedisClient, signal: AbortSignal, identity: string): Promise<RateLimiterRes> {
    // Cheap to build (a few fields), and per call so the command carries this attempt's signal.
    const limiter = new RateLimiterRedis({
      storeClient: client.withAbortSignal(signal),
      useRedisPackage: true,
      points: this.perMinute,
      duration: RATE_LIMIT_WINDOW_SECONDS,
      keyPrefix: this.#redisKeyPrefix,
    });
    return overLimitAsValue(limiter.consume(identity));
  }

  #consumeLocal(identity: string): Promise<RateLimiterRes> {
    const share = Math.max(1, this.#localShare());
    this.#local.points = Math.max(1, Math.floor(this.perMinute / share));
    return overLimitAsValue(this.#local.consume(identity));
  }

  #decision(res: RateLimiterRes, limit: number, shared: boolean): RateLimitDecision {
    return {
      scope: this.scope,
      allowed: res.consumedPoints <= limit,
      limit,
      remaining: Math.max(0, limit - res.consumedPoints),
      resetMs: Math.max(0, res.msBeforeNext),
      shared,
    };
  }
}

/** The per-key and per-IP limits, built once at start-up and shared by every request. */
export function createInboundRateLimits(
  config: RateLimitConfig,
  options: { redis?: RedisDependency | undefined; localShare?: () => number } = {},
): InboundRateLimits {
  return {
    key: new ScopeRateLimit({ scope: 'key', perMinute: config.keyPerMinute, ...options }),
    ip: new ScopeRateLimit({ scope: 'ip', perMinute: config.ipPerMinute, ...options }),
  };
}

/** rate-limiter-flexible rejects with its result when over the limit: that is an answer, not a failure. */
async function overLimitAsValue(consumed: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  try {
    return await consumed;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}
