/**
 * How a failed attempt is judged, on two independent axes: whether retrying may help (retry
 * class) and whether it says the dependency is unhealthy (breaker verdict). A provider's 401 is
 * permanent yet a breaker failure; a 429 is retried (after waiting) yet ignored by the breaker.
 */
import { isBrokenCircuitError, isBulkheadRejectedError } from 'cockatiel';
import { ClientClosedRequestError, DeadlineExceededError } from './deadline.ts';
import { AttemptTimeoutError, QuotaExhaustedError, RateLimitedError } from './errors.ts';

type RetryClass = 'transient' | 'rate_limited' | 'permanent' | 'never';
type BreakerVerdict = 'failure' | 'ignore';

export interface FailureClassification {
  retry: RetryClass;
  breaker: BreakerVerdict;
  /** For `rate_limited`: how long the dependency asked us to wait. */
  retryAfterMs?: number;
  /** Status the dependency answered with, when it answered (429 or 503 drive the gate). */
  status?: number;
  /** A bounded label for metrics and span `error.type`: `timeout`, `http_503`, `connection_error`… */
  errorType: string;
}

/** What a dependency knows about its own errors (HTTP statuses, driver error codes). */
export type DependencyClassifier = (error: unknown) => FailureClassification;

const NEVER_RETRY_IGNORE = { retry: 'never', breaker: 'ignore' } as const;

/**
 * The kit's rules first (caller aborts, our own timeouts and rejections), then the dependency's.
 * A caller abort is never retried and never held against the dependency.
 */
export function classifyFailure(error: unknown, callerSignal: AbortSignal, classify: DependencyClassifier): FailureClassification {
  if (callerSignal.aborted || error instanceof DeadlineExceededError || error instanceof ClientClosedRequestError) {
    return { ...NEVER_RETRY_IGNORE, errorType: 'cancelled' };
  }
  if (error instanceof AttemptTimeoutError) return { retry: 'transient', breaker: 'failure', errorType: 'timeout' };
  if (isBrokenCircuitError(error)) return { ...NEVER_RETRY_IGNORE, errorType: 'circuit_open' };
  if (isBulkheadRejectedError(error)) return { ...NEVER_RETRY_IGNORE, errorType: 'bulkhead_rejected' };
  if (error instanceof RateLimitedError) return { ...NEVER_RETRY_IGNORE, errorType: 'rate_limited' };
  if (error instanceof QuotaExhaustedError) return { ...NEVER_RETRY_IGNORE, errorType: 'quota_exhausted' };
  return classify(error);
}
