import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Deadline } from './deadline.ts';
import { RateLimitedError } from './errors.ts';
import { ClassifiedRetry, type RetryContext } from './retry.ts';
import { RetryBudget } from './retry-budget.ts';
import { ThrottledError, TransientError, makeRetry, rejection, settle } from './testing/retry-harness.ts';
import { flush } from './testing/flush.ts';

describe('ClassifiedRetry: rate limits, deadlines and budget', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('waits max(retryAfterMs, 2 × backoff) after a rate-limited failure and closes the gate', async () => {
    const { retry, gate, retries } = makeRetry();
    const calledAt: number[] = [];
    const gateAtFailure: number[] = [];
    retry.onRetry(() => gateAtFailure.push(gate.remainingMs()));
    const outcome = await settle(
      retry.execute(() => {
        calledAt.push(Date.now());
        if (calledAt.length === 1) throw new ThrottledError(1_500);
        return 'ok';
      }),
    );
    assert.deepEqual(outcome, { ok: true, value: 'ok' });
    assert.equal(retries[0]?.delayMs, 1_500);
    assert.equal(retries[0]?.classification.retry, 'rate_limited');
    assert.deepEqual(calledAt, [1_000_000, 1_001_500]);
    assert.deepEqual(gateAtFailure, [1_500]);
  });

  it('waits 2 × backoff when Retry-After is shorter', async () => {
    const { retry, gate, retries } = makeRetry();
    let calls = 0;
    await settle(
      retry.execute(() => {
        if (++calls === 1) throw new ThrottledError(50);
        return 'ok';
      }),
    );
    assert.equal(retries[0]?.delayMs, 200);
    assert.equal(gate.closedUntil, 1_000_050, 'the gate closed for the Retry-After');
  });

  it('without Retry-After, the gate closes for its default and the retry waits for it', async () => {
    const { retry, gate, retries } = makeRetry();
    let calls = 0;
    await settle(
      retry.execute(() => {
        if (++calls === 1) throw new ThrottledError(undefined, 503);
        return 'ok';
      }),
    );
    assert.equal(gate.closedUntil, 1_001_000);
    assert.equal(retries[0]?.delayMs, 1_000);
  });

  it('gives up with reason deadline, at once, when the delay would pass the caller deadline', async () => {
    const { retry, retries, giveUps } = makeRetry({ maxAttempts: 5 });
    const deadline = new Deadline(250);
    let calls = 0;
    const result = retry.execute(() => {
      calls++;
      throw new TransientError(`attempt ${calls}`);
    }, deadline.signal);
    await flush();
    let settled = false;
    result.catch(() => {}).finally(() => (settled = true));
    mock.timers.tick(100); // first backoff (100) fits in 250; the second (200) does not fit in the 150 left
    await flush();
    assert.equal(settled, true, 'gave up at once instead of sleeping into the deadline');
    await assert.rejects(result, (error: unknown) => error instanceof TransientError && error.message === 'attempt 2');
    assert.equal(Date.now(), 1_000_100, 'no time was spent sleeping towards the deadline');
    assert.equal(calls, 2);
    assert.deepEqual(
      retries.map((event) => event.delayMs),
      [100],
    );
    assert.deepEqual(
      giveUps.map(({ reason, attempts }) => ({ reason, attempts })),
      [{ reason: 'deadline', attempts: 2 }],
    );
    assert.equal(deadline.signal.aborted, false);
  });

  it('gives up with reason deadline when a rate-limited wait would pass the deadline, as RateLimitedError', async () => {
    const { retry, giveUps } = makeRetry();
    const deadline = new Deadline(2_000);
    const original = new ThrottledError(5_000);
    const error = await rejection(
      retry.execute(() => {
        throw original;
      }, deadline.signal),
    );
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 5_000);
    assert.equal(error.status, 429);
    assert.equal(error.cause, original);
    assert.equal(giveUps[0]?.reason, 'deadline');
  });

  it('rethrows a final rate-limited failure as RateLimitedError with retryAfterMs and status', async () => {
    const { retry, giveUps } = makeRetry({ maxAttempts: 2 });
    let calls = 0;
    const error = await rejection(
      retry.execute(() => {
        calls++;
        throw new ThrottledError(300, 503);
      }),
    );
    assert.equal(calls, 2);
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 300, 'the gate was closed again by the last answer');
    assert.equal(error.status, 503);
    assert.equal(error.dependency, 'dep');
    assert.ok(error.cause instanceof ThrottledError);
    assert.equal(giveUps[0]?.reason, 'attempts_exhausted');
  });

  it('gives up with budget_exhausted when the retry budget says no', async () => {
    const { retry, budget, retries, giveUps } = makeRetry();
    while (budget.tryAcquireRetry()); // spend the budget
    let calls = 0;
    const original = new TransientError();
    const error = await rejection(
      retry.execute(() => {
        calls++;
        throw original;
      }),
    );
    assert.equal(error, original);
    assert.equal(calls, 1);
    assert.deepEqual(retries, []);
    assert.equal(giveUps[0]?.reason, 'budget_exhausted');
  });

  it('counts each execute as one call in the budget and each retry against it', async () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 10_000 });
    const { retry, retries, giveUps } = makeRetry({ budget, maxAttempts: 10 });
    // One call earns half a retry: not enough for one.
    await rejection(retry.execute(() => Promise.reject(new TransientError())));
    assert.equal(giveUps.at(-1)?.reason, 'budget_exhausted');
    // A second call makes it one.
    await rejection(retry.execute(() => Promise.reject(new TransientError())));
    assert.equal(retries.length, 1);
    assert.equal(giveUps.at(-1)?.reason, 'budget_exhausted');
  });

  it('passes the caller signal and the attempt number to each call', async () => {
    const { retry } = makeRetry();
    const controller = new AbortController();
    const seen: RetryContext[] = [];
    await rejection(
      retry.execute((context) => {
        seen.push(context);
        throw new TransientError();
      }, controller.signal),
    );
    assert.deepEqual(
      seen.map(({ attempt }) => attempt),
      [0, 1, 2],
    );
    assert.ok(seen.every(({ signal }) => signal === controller.signal));
  });
});
