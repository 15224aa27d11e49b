/** Test support, never imported by production code: shared harness for the ClassifiedRetry tests: classes of failure, a retry with its events, fake-clock helpers. */
import assert from 'node:assert/strict';
import { mock } from 'node:test';
import type { FailureClassification } from '../classification.ts';
import { RateLimitGate } from '../rate-limit-gate.ts';
import { ClassifiedRetry, type GiveUpEvent, type RetryEvent, type RetryOptions, type SuccessAfterRetryEvent } from '../retry.ts';
import { RetryBudget } from '../retry-budget.ts';

import { flush } from './flush.ts';

export class TransientError extends Error {}
export class PermanentError extends Error {}
export class ThrottledError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly status: 429 | 503;
  constructor(retryAfterMs: number | undefined, status: 429 | 503 = 429) {
    super(`throttled ${status}`);
    this.retryAfterMs = retryAfterMs;
    this.status = status;
  }
}

function classify(error: unknown): FailureClassification {
  if (error instanceof PermanentError) return { retry: 'permanent', breaker: 'failure', errorType: 'http_4xx' };
  if (error instanceof ThrottledError) {
    return { retry: 'rate_limited', breaker: 'ignore', retryAfterMs: error.retryAfterMs, status: error.status, errorType: 'http_429' };
  }
  // Anything else, including errors the kit must intercept first, would be retried.
  return { retry: 'transient', breaker: 'failure', errorType: 'http_5xx' };
}

export function makeRetry(overrides: Partial<RetryOptions> = {}) {
  const gate = new RateLimitGate({ dependency: 'dep', defaultRetryAfterMs: 1_000, maxRetryAfterMs: 120_000 });
  const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 3, windowMs: 10_000 });
  const retry = new ClassifiedRetry({
    dependency: 'dep',
    maxAttempts: 3,
    initialDelayMs: 100,
    maxDelayMs: 1_000,
    jitter: 0.25,
    classify,
    budget,
    gate,
    random: () => 0.5, // no jitter unless a test says so
    ...overrides,
  });
  const retries: RetryEvent[] = [];
  const giveUps: GiveUpEvent[] = [];
  retry.onRetry((event) => retries.push(event));
  const recoveries: SuccessAfterRetryEvent[] = [];
  retry.onGiveUp((event) => giveUps.push(event));
  retry.onSuccessAfterRetry((event) => recoveries.push(event));
  return { retry, gate, budget, retries, giveUps, recoveries };
}

/** Lets a retry loop run to its end: ticks in small steps until the promise settles. */
export async function settle<T>(promise: Promise<T>, maxMs = 60_000, stepMs = 5): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  for (let waited = 0; ; waited += stepMs) {
    await flush();
    if (outcome) return outcome;
    if (waited >= maxMs) assert.fail(`still pending after ${maxMs} ms`);
    mock.timers.tick(stepMs);
  }
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await settle(promise);
  assert.equal(outcome.ok, false, 'expected a rejection');
  return outcome.ok ? undefined : outcome.error;
}

