/**
 * The LLM dependency's tunables: every threshold of its policy sheet can be set from the
 * environment; the defaults here are the only place those numbers are written. Units are in the names.
 */
import { decimal, flag, integer, type ParsedEnvironment } from './env-parsers.ts';

export const llmEnvironment = {
  /** Concurrent upstream calls, streams included for their whole life. */
  LLM_BULKHEAD_MAX_CONCURRENT: integer({ min: 1 }).default(256),
  /** Calls waiting for a slot before new ones are refused at once. */
  LLM_BULKHEAD_MAX_QUEUED: integer({ min: 0 }).default(512),
  /** The longest a queued call waits (its deadline permitting). */
  LLM_BULKHEAD_QUEUE_TIMEOUT_MS: integer({ min: 1 }).default(5_000),
  /** Share of a provider's bulkhead background work (batch lines) may hold; it never queues ahead of interactive calls. */
  LLM_BACKGROUND_SHARE: decimal({ min: 0.05, max: 1 }).default(0.5),
  /** Calls in all, the first included (1: never retry). */
  LLM_RETRY_MAX_ATTEMPTS: integer({ min: 1, max: 10 }).default(3),
  /** First backoff; doubles per retry, with jitter so replicas do not retry in step. */
  LLM_RETRY_BASE_DELAY_MS: integer({ min: 0 }).default(1_000),
  LLM_RETRY_MAX_DELAY_MS: integer({ min: 0 }).default(10_000),
  /** Retries may add at most this share to the calls in the budget's window… */
  LLM_RETRY_BUDGET_RATIO: decimal({ min: 0, max: 10 }).default(0.2),
  /** …plus this many per second regardless. */
  LLM_RETRY_BUDGET_MIN_PER_SECOND: decimal({ min: 0, max: 1_000 }).default(3),
  /** Off only to measure the retry budget alone. */
  LLM_BREAKER_ENABLED: flag.default(true),
  /** Failures in the window before the rate matters, so a quiet hour's one error cannot open it. */
  LLM_BREAKER_MIN_FAILURES: integer({ min: 1 }).default(5),
  /**
   * Failures in a row that open the circuit at once, whatever the window holds (a sudden total
   * outage); 0: off. Attempt timeouts are left out of the run (a latency step makes a run of them,
   * which the adaptive timeout answers by escalating); the rate rule still counts them.
   */
  LLM_BREAKER_CONSECUTIVE_FAILURES: integer({ min: 0 }).default(5),
  /** Failure share that opens the circuit. */
  LLM_BREAKER_FAILURE_RATE: decimal({ min: 0.01, max: 1 }).default(0.5),
  /** The window failures are counted in. */
  LLM_BREAKER_WINDOW_MS: integer({ min: 1_000 }).default(120_000),
  /** Open this long before one probe is let through. */
  LLM_BREAKER_HALF_OPEN_AFTER_MS: integer({ min: 1 }).default(60_000),
  /** Good probes in a row that close it (more than one: a single lucky call proves little). */
  LLM_BREAKER_SUCCESSES_TO_CLOSE: integer({ min: 1 }).default(2),
  /** Attempt timeout = multiplier × live P95 of successful attempts… */
  LLM_TIMEOUT_MULTIPLIER: decimal({ min: 1, max: 100 }).default(3),
  /** …clamped to [floor, ceiling]… */
  LLM_TIMEOUT_FLOOR_MS: integer({ min: 1 }).default(1_000),
  LLM_TIMEOUT_CEILING_MS: integer({ min: 1 }).default(120_000),
  /** …and this until enough samples (the OpenAI SDKs' own request timeout is of this order). */
  LLM_TIMEOUT_DEFAULT_MS: integer({ min: 1 }).default(60_000),
  /** The P95 covers this recent window. */
  LLM_TIMEOUT_WINDOW_MS: integer({ min: 1_000 }).default(30_000),
  LLM_TIMEOUT_MIN_SAMPLES: integer({ min: 1 }).default(20),
  /** A 429 without Retry-After holds calls back this long. */
  LLM_RATE_LIMIT_DEFAULT_MS: integer({ min: 0 }).default(1_000),
  /** A longer Retry-After is capped at this. */
  LLM_RATE_LIMIT_MAX_MS: integer({ min: 0 }).default(120_000),
  /** A stream ends after this long, however lively. */
  LLM_STREAM_MAX_DURATION_MS: integer({ min: 1 }).default(600_000),
  /** Embedding inputs per upstream call (providers cap inputs per call), and calls in flight per request (so one large request cannot take the whole bulkhead). */
  LLM_EMBEDDING_BATCH_SIZE: integer({ min: 1, max: 2_048 }).default(20),
  LLM_EMBEDDING_CONCURRENCY: integer({ min: 1, max: 64 }).default(3),
};

type LlmEnvironment = ParsedEnvironment<typeof llmEnvironment>;

export interface LlmPolicyConfig {
  bulkhead: { maxConcurrent: number; maxQueued: number; queueTimeoutMs: number; backgroundShare: number };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; budgetRatio: number; budgetMinPerSecond: number };
  breaker: { enabled: boolean; minimumFailures: number; consecutiveFailures: number; failureRate: number; windowMs: number; halfOpenAfterMs: number; successesToClose: number };
  timeout: { multiplier: number; floorMs: number; ceilingMs: number; defaultMs: number; windowMs: number; minSamples: number };
  rateLimit: { defaultRetryAfterMs: number; maxRetryAfterMs: number };
  stream: { maxDurationMs: number };
  embeddings: { batchSize: number; concurrency: number };
}

export function llmPolicyConfig(env: LlmEnvironment): LlmPolicyConfig {
  return {
    bulkhead: {
      maxConcurrent: env.LLM_BULKHEAD_MAX_CONCURRENT,
      maxQueued: env.LLM_BULKHEAD_MAX_QUEUED,
      queueTimeoutMs: env.LLM_BULKHEAD_QUEUE_TIMEOUT_MS,
      backgroundShare: env.LLM_BACKGROUND_SHARE,
    },
    retry: {
      maxAttempts: env.LLM_RETRY_MAX_ATTEMPTS,
      baseDelayMs: env.LLM_RETRY_BASE_DELAY_MS,
      maxDelayMs: env.LLM_RETRY_MAX_DELAY_MS,
      budgetRatio: env.LLM_RETRY_BUDGET_RATIO,
      budgetMinPerSecond: env.LLM_RETRY_BUDGET_MIN_PER_SECOND,
    },
    breaker: {
      enabled: env.LLM_BREAKER_ENABLED,
      minimumFailures: env.LLM_BREAKER_MIN_FAILURES,
      consecutiveFailures: env.LLM_BREAKER_CONSECUTIVE_FAILURES,
      failureRate: env.LLM_BREAKER_FAILURE_RATE,
      windowMs: env.LLM_BREAKER_WINDOW_MS,
      halfOpenAfterMs: env.LLM_BREAKER_HALF_OPEN_AFTER_MS,
      successesToClose: env.LLM_BREAKER_SUCCESSES_TO_CLOSE,
    },
    timeout: {
      multiplier: env.LLM_TIMEOUT_MULTIPLIER,
      floorMs: env.LLM_TIMEOUT_FLOOR_MS,
      ceilingMs: env.LLM_TIMEOUT_CEILING_MS,
      defaultMs: env.LLM_TIMEOUT_DEFAULT_MS,
      windowMs: env.LLM_TIMEOUT_WINDOW_MS,
      minSamples: env.LLM_TIMEOUT_MIN_SAMPLES,
    },
    rateLimit: { defaultRetryAfterMs: env.LLM_RATE_LIMIT_DEFAULT_MS, maxRetryAfterMs: env.LLM_RATE_LIMIT_MAX_MS },
    stream: { maxDurationMs: env.LLM_STREAM_MAX_DURATION_MS },
    embeddings: { batchSize: env.LLM_EMBEDDING_BATCH_SIZE, concurrency: env.LLM_EMBEDDING_CONCURRENCY },
  };
}
