/**
 * The LLM provider's policy sheet: what guards every call to it, with numbers, units and why.
 * Thresholds come from configuration (LLM_* variables); the defaults are the seeds'.
 *
 *   bulkhead       256 concurrent (a stream holds its slot for its whole life), 512 queued,
 *                  a queued call waits at most min(deadline, 5 s); then 503 dependency_saturated
 *   rate limit     after a 429 (or 503 with Retry-After) no call goes out until then; a call
 *                  whose deadline ends first gets 429 upstream_rate_limited at once
 *   retry          3 calls in all; backoff 1 s doubling to 10 s, ±25 % jitter; transient
 *                  (5xx, 408, connection errors, attempt timeouts) and rate-limited
 *                  (wait max(Retry-After, 2 × backoff)) only; budget: +20 % of calls per 10 s
 *                  plus 3 retries/s, so an outage amplifies traffic by at most ~1.2×
 *   breaker        opens on ≥ 5 failures AND ≥ 50 % failure rate within 120 s; one probe after
 *                  60 s; closes after 2 good probes in a row. Failures: 5xx, connection errors,
 *                  attempt timeouts, the provider refusing our key. Ignored: 4xx, 429, aborts
 *   timeout        per operation and model: 3 × live P95 of successes (30 s window, ≥ 20
 *                  samples), clamped to [1 s, 120 s], 60 s before that; for streams it bounds
 *                  time to first chunk, and a second one the gap between chunks
 *   quota          the fleet's outgoing quota (LLM_QUOTA_*, off by default; seed 003's example:
 *                  50 requests/min, 5 concurrent): requests and tokens per minute checked per
 *                  attempt, a concurrency lease held for the whole call (streams: until they end);
 *                  over quota a call waits while its deadline allows, else 429
 *                  upstream_quota_exhausted at once. Tokens are debited from actual usage
 */
import type { LlmPolicyConfig } from '../../config/llm.ts';
import type { QuotaConfig } from '../../config/shared-state.ts';
import type { AdaptiveTimeoutOptions } from '../../resilience/adaptive-timeout-tracker.ts';
import type { PolicySheet } from '../../resilience/dependency-policies.ts';
import { classifyLlmFailure } from './errors.ts';

const LLM_OPERATIONS = ['chat', 'chat_stream', 'embeddings', 'models'] as const;
export type LlmOperation = (typeof LLM_OPERATIONS)[number];

export function llmPolicySheet(config: LlmPolicyConfig, quota?: QuotaConfig): PolicySheet<LlmOperation> {
  const timeout: AdaptiveTimeoutOptions = {
    multiplier: config.timeout.multiplier,
    floorMs: config.timeout.floorMs,
    ceilingMs: config.timeout.ceilingMs,
    defaultMs: Math.min(config.timeout.defaultMs, config.timeout.ceilingMs),
    windowMs: config.timeout.windowMs,
    minSamples: config.timeout.minSamples,
    // Three timeouts in a row mean the latency moved, not that the provider is down.
    escalateAfterTimeouts: 3,
    escalationFactor: 2,
  };
  return {
    dependency: 'llm',
    bulkhead: { ...config.bulkhead, retryAfterMs: 1_000 },
    rateLimit: config.rateLimit,
    retry: {
      maxAttempts: config.retry.maxAttempts,
      initialDelayMs: config.retry.baseDelayMs,
      maxDelayMs: config.retry.maxDelayMs,
      jitter: 0.25,
    },
    retryBudget: { ratio: config.retry.budgetRatio, minRetriesPerSecond: config.retry.budgetMinPerSecond, windowMs: 10_000 },
    breaker: {
      enabled: config.breaker.enabled,
      minimumFailures: config.breaker.minimumFailures,
      failureRateThreshold: config.breaker.failureRate,
      windowMs: config.breaker.windowMs,
      halfOpenAfterMs: config.breaker.halfOpenAfterMs,
      successesToClose: config.breaker.successesToClose,
    },
    timeouts: { chat: timeout, chat_stream: timeout, embeddings: timeout, models: { ...timeout, defaultMs: Math.min(timeout.defaultMs, 10_000) } },
    idleTimeout: timeout,
    classify: classifyLlmFailure,
    quota,
  };
}
