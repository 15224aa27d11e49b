/**
 * Tunables of what replicas share through Redis (and keep locally without it): the Redis policy
 * sheet, how often shared state is synchronised, inbound rate limits and the LLM's outgoing quota.
 * 0 turns a limit or quota off.
 */
import { z } from 'zod';
import { integer, type ParsedEnvironment } from './env-parsers.ts';
import { extraRateLimitPolicies, rateLimitPolicies, type RateLimitPolicy } from './rate-limits.ts';

export const sharedStateEnvironment = {
  /** Keys and channels Levee owns start with this, so several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/, { error: 'must be 1-64 characters of [A-Za-z0-9_:.-]' }).default('levee:'),
  /** One Redis command may take this long before the caller falls back to local state. */
  REDIS_TIMEOUT_MS: integer({ min: 1, max: 10_000 }).default(100),
  /** Concurrent Redis commands per replica; more wait up to the timeout, then fall back. */
  REDIS_BULKHEAD_MAX_CONCURRENT: integer({ min: 1 }).default(64),
  /** Failures (at least half the calls in the breaker's window) that open Redis's breaker… */
  REDIS_BREAKER_FAILURES: integer({ min: 1 }).default(3),
  /** …and how long Levee then skips Redis before one probe. A reconnect ends it sooner. */
  REDIS_BREAKER_HALF_OPEN_AFTER_MS: integer({ min: 1 }).default(30_000),
  /** Shared breaker counts are flushed to Redis this often (batched, not one round trip per call). */
  SHARED_BREAKER_FLUSH_MS: integer({ min: 5, max: 5_000 }).default(50),
  /** Every replica re-reads the shared state this often, the safety net under pub/sub. */
  SHARED_STATE_SYNC_MS: integer({ min: 50, max: 60_000 }).default(1_000),
  /** Requests per minute per client key (API_KEYS name) on all /v1 routes; 0 = no limit. */
  RATE_LIMIT_KEY_PER_MIN: integer({ min: 0 }).default(0),
  /** Requests per minute per client IP on all /v1 routes (a flood guard that also covers unauthenticated traffic); 0 = no limit. */
  RATE_LIMIT_IP_PER_MIN: integer({ min: 0 }).default(100),
  /** Requests per hour per client key on the AI routes (chat, embeddings, retrieval that embeds); 0 = no budget. */
  RATE_LIMIT_AI_KEY_PER_HOUR: integer({ min: 0 }).default(0),
  /** Further policies, `<routes>:<key|ip>=<limit>/<window>` comma-separated (config/rate-limits.ts); unset: none. */
  RATE_LIMITS: extraRateLimitPolicies.optional(),
  /** Outgoing LLM requests per minute across the fleet (the provider account's RPM, or Levee's share of it); 0 = unlimited. */
  LLM_QUOTA_REQUESTS_PER_MIN: integer({ min: 0 }).default(0),
  /** Concurrent outgoing LLM requests across the fleet; 0 = unlimited. */
  LLM_QUOTA_CONCURRENT: integer({ min: 0 }).default(0),
  /** LLM tokens (prompt + completion) per minute across the fleet; 0 = unlimited. */
  LLM_QUOTA_TOKENS_PER_MIN: integer({ min: 0 }).default(0),
};

type SharedStateEnvironment = ParsedEnvironment<typeof sharedStateEnvironment>;

export interface RedisPolicyConfig {
  keyPrefix: string;
  timeoutMs: number;
  maxConcurrent: number;
  breakerFailures: number;
  breakerHalfOpenAfterMs: number;
}

export interface SharedStateConfig {
  redis: RedisPolicyConfig;
  breakerFlushMs: number;
  syncIntervalMs: number;
}

export interface RateLimitConfig {
  /** Every inbound policy in force; empty: no limits. */
  policies: RateLimitPolicy[];
}

/** Per provider: 0 in any field means that dimension is unlimited. */
export interface QuotaConfig {
  requestsPerMinute: number;
  concurrent: number;
  tokensPerMinute: number;
}

export function sharedStateConfig(env: SharedStateEnvironment): { sharedState: SharedStateConfig; rateLimits: RateLimitConfig; llmQuota: QuotaConfig } {
  return {
    sharedState: {
      redis: {
        keyPrefix: env.REDIS_KEY_PREFIX,
        timeoutMs: env.REDIS_TIMEOUT_MS,
        maxConcurrent: env.REDIS_BULKHEAD_MAX_CONCURRENT,
        breakerFailures: env.REDIS_BREAKER_FAILURES,
        breakerHalfOpenAfterMs: env.REDIS_BREAKER_HALF_OPEN_AFTER_MS,
      },
      breakerFlushMs: env.SHARED_BREAKER_FLUSH_MS,
      syncIntervalMs: env.SHARED_STATE_SYNC_MS,
    },
    rateLimits: {
      policies: rateLimitPolicies({
        ipPerMinute: env.RATE_LIMIT_IP_PER_MIN,
        keyPerMinute: env.RATE_LIMIT_KEY_PER_MIN,
        aiKeyPerHour: env.RATE_LIMIT_AI_KEY_PER_HOUR,
        extra: env.RATE_LIMITS ?? [],
      }),
    },
    llmQuota: {
      requestsPerMinute: env.LLM_QUOTA_REQUESTS_PER_MIN,
      concurrent: env.LLM_QUOTA_CONCURRENT,
      tokensPerMinute: env.LLM_QUOTA_TOKENS_PER_MIN,
    },
  };
}
