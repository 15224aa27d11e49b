/**
 * Redis's policy sheet. Redis is optional: every caller has a local fallback, so the policies aim
 * to give up fast rather than to succeed at all costs. Settings: REDIS_* (service/config/
 * shared-state.ts); metrics: the same as every dependency's, labelled `dependency="redis"`
 * (levee_bulkhead_*, levee_circuit_breaker_*, levee_adaptive_timeout_seconds, …), plus
 * levee_shared_state_degraded{feature} for each feature that fell back to local state.
 *
 *   bulkhead   REDIS_BULKHEAD_MAX_CONCURRENT commands in flight, a few times that queued, a queued
 *              command waits at most the attempt timeout
 *   retry      none: the caller falls back to local state instead (a background sync simply
 *              tries again on its next tick)
 *   breaker    opens on REDIS_BREAKER_FAILURES failures that are at least half of the calls in its
 *              window; while open Levee skips Redis entirely; one probe after
 *              REDIS_BREAKER_HALF_OPEN_AFTER_MS, or sooner: a reconnect closes it
 *   timeout    a multiple of the live P95 per operation, clamped to [T/2, T] with T =
 *              REDIS_TIMEOUT_MS: no request ever waits on Redis longer than T, and the floor stays
 *              above event-loop hiccups, since a command cut short may still have been applied by
 *              Redis (counted there and again locally)
 */
import type { RedisPolicyConfig } from '../../config/shared-state.ts';
import type { AdaptiveTimeoutOptions } from '../../resilience/adaptive-timeout-tracker.ts';
import type { PolicySheet } from '../../resilience/dependency-policies.ts';
import { classifyRedisFailure } from './errors.ts';

const REDIS_OPERATIONS = ['breakers', 'rate_limit', 'quota', 'cache', 'conversations', 'idempotency', 'sync', 'health'] as const;
export type RedisOperation = (typeof REDIS_OPERATIONS)[number];

export function redisPolicySheet(config: RedisPolicyConfig): PolicySheet<RedisOperation> {
  const timeout: AdaptiveTimeoutOptions = {
    multiplier: 3,
    floorMs: Math.max(1, Math.round(config.timeoutMs / 2)),
    ceilingMs: config.timeoutMs,
    defaultMs: config.timeoutMs,
    windowMs: 30_000,
    minSamples: 50,
    escalateAfterTimeouts: 3,
    escalationFactor: 2,
  };
  return {
    dependency: 'redis',
    bulkhead: { maxConcurrent: config.maxConcurrent, maxQueued: config.maxConcurrent * 4, queueTimeoutMs: config.timeoutMs, retryAfterMs: 100 },
    rateLimit: { defaultRetryAfterMs: 100, maxRetryAfterMs: 1_000 },
    retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, jitter: 0 },
    retryBudget: { ratio: 0, minRetriesPerSecond: 0, windowMs: 10_000 },
    breaker: {
      enabled: true,
      minimumFailures: config.breakerFailures,
      failureRateThreshold: 0.5,
      windowMs: 10_000,
      halfOpenAfterMs: config.breakerHalfOpenAfterMs,
      successesToClose: 1,
    },
    timeouts: Object.fromEntries(REDIS_OPERATIONS.map((operation) => [operation, timeout])) as Record<RedisOperation, AdaptiveTimeoutOptions>,
    classify: classifyRedisFailure,
  };
}
