/** Test support: a policy sheet for one operation `call`, loose enough that no policy gets in the way unless a test says so. */
import type { PolicySheet } from '../dependency-policies.ts';

const timeout = { multiplier: 3, floorMs: 1_000, ceilingMs: 10_000, defaultMs: 5_000, windowMs: 30_000, minSamples: 20, escalateAfterTimeouts: 3, escalationFactor: 2 };

export function testPolicySheet(overrides: Partial<PolicySheet<'call'>> = {}): PolicySheet<'call'> {
  return {
    dependency: 'dep',
    bulkhead: { maxConcurrent: 10, maxQueued: 10, queueTimeoutMs: 5_000, retryAfterMs: 1_000 },
    rateLimit: { defaultRetryAfterMs: 1_000, maxRetryAfterMs: 10_000 },
    retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10, jitter: 0 },
    retryBudget: { ratio: 1, minRetriesPerSecond: 10, windowMs: 10_000 },
    breaker: { enabled: true, minimumFailures: 100, failureRateThreshold: 1, windowMs: 10_000, halfOpenAfterMs: 1_000, successesToClose: 1 },
    timeouts: { call: timeout },
    classify: () => ({ retry: 'transient', breaker: 'ignore', errorType: 'http_5xx' }),
    ...overrides,
  };
}
