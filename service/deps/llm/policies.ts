/**
 * The LLM provider's policy sheet: what guards every call to it (chat, chat_stream, embeddings,
 * models: each operation, and within it each model, has its own timeout and pipeline), which
 * setting sets it, and which metric shows it act. Every metric carries `dependency="llm"`; the
 * numbers are the config schema's defaults (service/config/llm.ts, README "Configuration"), or
 * the fixed values below with the reason for each. Outermost first (why this order:
 * resilience/dependency-policies.ts):
 *
 *   bulkhead        LLM_BULKHEAD_*: concurrent calls (a stream holds its slot for its whole life),
 *                   a bounded queue with a bounded wait, then 503 dependency_saturated.
 *                   levee_bulkhead_active_calls, levee_bulkhead_queued_calls,
 *                   levee_bulkhead_rejected_calls_total
 *   quota lease     LLM_QUOTA_CONCURRENT (off by default): the fleet's concurrent requests, a lease
 *                   held for the whole call. levee_upstream_quota_wait_seconds,
 *                   levee_upstream_quota_rejections_total
 *   rate-limit gate LLM_RATE_LIMIT_*: after a 429 (or 503 with Retry-After) no call goes out until
 *                   then; a call whose deadline ends first gets 429 upstream_rate_limited at once.
 *                   levee_upstream_rate_limited_seconds, levee_upstream_rate_limit_rejections_total
 *   retry           LLM_RETRY_*: transient failures (5xx, 408, connection errors, attempt timeouts)
 *                   and rate limits (after max(Retry-After, the backoff)) only, never past the
 *                   deadline; a budget caps the extra calls an outage can cause.
 *                   levee_dependency_retries_total, levee_dependency_retry_give_ups_total,
 *                   levee_retry_budget_exhausted_total
 *   quota admission LLM_QUOTA_REQUESTS_PER_MIN, LLM_QUOTA_TOKENS_PER_MIN (off by default), per
 *                   attempt; tokens debited from the answer's usage. Same metrics as the lease
 *   breaker         LLM_BREAKER_*: opens on enough failures that are also a large enough share,
 *                   or on LLM_BREAKER_CONSECUTIVE_FAILURES in a row (a sudden total outage);
 *                   one probe after a while, closes after good probes in a row. Failures: 5xx,
 *                   connection errors, attempt timeouts, the provider refusing our key; ignored:
 *                   other 4xx, 429, aborts. levee_circuit_breaker_state,
 *                   levee_circuit_breaker_transitions_total, levee_circuit_breaker_rejected_calls_total
 *   timeout         LLM_TIMEOUT_*: a multiple of the live P95 of successful attempts, clamped; for
 *                   streams it bounds the time to the first chunk, and a second one the gap between
 *                   chunks. levee_adaptive_timeout_seconds, levee_dependency_latency_p95_seconds,
 *                   levee_dependency_attempts_total{outcome="timeout"}
 *
 * Every call: levee_dependency_calls_total and levee_dependency_call_duration_seconds by
 * operation and outcome, one span per call and per attempt.
 */
import type { LlmPolicyConfig } from '../../config/llm.ts';
import type { QuotaConfig } from '../../config/shared-state.ts';
import type { AdaptiveTimeoutOptions } from '../../resilience/adaptive-timeout-tracker.ts';
import type { PolicySheet } from '../../resilience/dependency-policies.ts';
import { classifyLlmFailure } from './errors.ts';

const LLM_OPERATIONS = ['chat', 'chat_stream', 'embeddings', 'models'] as const;
export type LlmOperation = (typeof LLM_OPERATIONS)[number];

/** Clients are told to come back after this when the bulkhead refuses them (Retry-After). */
const SATURATED_RETRY_AFTER_MS = 1_000;
/** Each backoff varies by this fraction either way, so replicas that failed together do not retry together. */
const RETRY_JITTER = 0.25;
/** The retry budget counts calls and retries over this sliding window. */
const RETRY_BUDGET_WINDOW_MS = 10_000;
/** Timeouts in a row that mean the latency moved, not that the provider is down: the timeout then grows by the factor toward its ceiling. */
const ESCALATE_AFTER_TIMEOUTS = 3;
const ESCALATION_FACTOR = 2;
/** Listing models is cheap: until the timeout has samples, do not wait the long default for it. */
const MODELS_DEFAULT_TIMEOUT_MS = 10_000;

export function llmPolicySheet(provider: string, config: LlmPolicyConfig, quota?: QuotaConfig): PolicySheet<LlmOperation> {
  const timeout: AdaptiveTimeoutOptions = {
    multiplier: config.timeout.multiplier,
    floorMs: config.timeout.floorMs,
    ceilingMs: config.timeout.ceilingMs,
    defaultMs: Math.min(config.timeout.defaultMs, config.timeout.ceilingMs),
    windowMs: config.timeout.windowMs,
    minSamples: config.timeout.minSamples,
    escalateAfterTimeouts: ESCALATE_AFTER_TIMEOUTS,
    escalationFactor: ESCALATION_FACTOR,
  };
  return {
    dependency: 'llm',
    provider,
    bulkhead: { ...config.bulkhead, retryAfterMs: SATURATED_RETRY_AFTER_MS },
    rateLimit: config.rateLimit,
    retry: {
      maxAttempts: config.retry.maxAttempts,
      initialDelayMs: config.retry.baseDelayMs,
      maxDelayMs: config.retry.maxDelayMs,
      jitter: RETRY_JITTER,
    },
    retryBudget: { ratio: config.retry.budgetRatio, minRetriesPerSecond: config.retry.budgetMinPerSecond, windowMs: RETRY_BUDGET_WINDOW_MS },
    breaker: {
      enabled: config.breaker.enabled,
      minimumFailures: config.breaker.minimumFailures,
      consecutiveFailures: config.breaker.consecutiveFailures,
      failureRateThreshold: config.breaker.failureRate,
      windowMs: config.breaker.windowMs,
      halfOpenAfterMs: config.breaker.halfOpenAfterMs,
      successesToClose: config.breaker.successesToClose,
    },
    timeouts: { chat: timeout, chat_stream: timeout, embeddings: timeout, models: { ...timeout, defaultMs: Math.min(timeout.defaultMs, MODELS_DEFAULT_TIMEOUT_MS) } },
    idleTimeout: timeout,
    classify: classifyLlmFailure,
    quota,
  };
}
