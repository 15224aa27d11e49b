/**
 * The kit's own failures. Breaker and bulkhead rejections extend cockatiel's error classes, so
 * cockatiel's guards (`isBrokenCircuitError`, `isBulkheadRejectedError`) recognise them.
 */
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';

/** The breaker refused the call without trying: open, isolated, or half-open with its probe out. */
export class OpenCircuitError extends BrokenCircuitError {
  readonly dependency: string;
  /** When a call may be worth trying again. */
  readonly retryAfterMs: number;
  readonly state: 'open' | 'half_open' | 'isolated';
  constructor(dependency: string, state: OpenCircuitError['state'], retryAfterMs: number) {
    super(`Circuit breaker ${dependency} is ${state}`);
    this.name = 'OpenCircuitError';
    this.dependency = dependency;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The bulkhead is full and its queue too, or a queued call waited as long as it may. */
export class SaturatedError extends BulkheadRejectedError {
  readonly dependency: string;
  /** `background_yield`: a background call refused to leave room for interactive ones (priority.ts). */
  readonly reason: 'queue_full' | 'queue_timeout' | 'background_yield';
  readonly retryAfterMs: number;
  constructor(dependency: string, capacity: number, queueCapacity: number, reason: SaturatedError['reason'], retryAfterMs: number) {
    super(capacity, queueCapacity);
    this.name = 'SaturatedError';
    this.dependency = dependency;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The dependency asked us to wait (429, or 503 with Retry-After) longer than the caller can. */
export class RateLimitedError extends Error {
  readonly dependency: string;
  readonly retryAfterMs: number;
  /** The status the dependency used, so the client hears the same (429 or 503). */
  readonly status: 429 | 503;
  constructor(dependency: string, retryAfterMs: number, status: 429 | 503 = 429, options?: ErrorOptions) {
    super(`${dependency} is rate-limited for another ${Math.ceil(retryAfterMs)} ms`, options);
    this.name = 'RateLimitedError';
    this.dependency = dependency;
    this.retryAfterMs = retryAfterMs;
    this.status = status;
  }
}

/** The fleet's outgoing quota for a dependency is spent for longer than the caller can wait. */
export class QuotaExhaustedError extends Error {
  readonly dependency: string;
  /** Which quota: requests per minute, concurrent requests, or tokens per minute. */
  readonly quota: 'requests' | 'concurrent' | 'tokens';
  readonly retryAfterMs: number;
  constructor(dependency: string, quota: QuotaExhaustedError['quota'], retryAfterMs: number) {
    super(`${dependency} ${quota} quota exhausted for another ${Math.ceil(retryAfterMs)} ms`);
    this.name = 'QuotaExhaustedError';
    this.dependency = dependency;
    this.quota = quota;
    this.retryAfterMs = retryAfterMs;
  }
}

/** One attempt ran past its (adaptive) timeout and was cut. */
export class AttemptTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`Attempt timed out after ${Math.round(timeoutMs)} ms`);
    this.name = 'AttemptTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
