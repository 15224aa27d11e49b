import assert from 'node:assert/strict';
import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { FailureClassification } from './classification.ts';
import { Deadline } from './deadline.ts';
import { OpenCircuitError, RateLimitedError, SaturatedError } from './errors.ts';
import { RateLimitGate } from './rate-limit-gate.ts';
import { ClassifiedRetry, type GiveUpEvent, type RetryContext, type RetryEvent, type RetryOptions } from './retry.ts';
import { RetryBudget } from './retry-budget.ts';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

class TransientError extends Error {}
class PermanentError extends Error {}
class ThrottledError extends Error {
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

function makeRetry(overrides: Partial<RetryOptions> = {}) {
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
  retry.onGiveUp((event) => giveUps.push(event));
  return { retry, gate, budget, retries, giveUps };
}

/** Lets a retry loop run to its end: ticks in small steps until the promise settles. */
async function settle<T>(promise: Promise<T>, maxMs = 60_000, stepMs = 5): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
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

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await settle(promise);
  assert.equal(outcome.ok, false, 'expected a rejection');
  return outcome.ok ? undefined : outcome.error;
}

describe('ClassifiedRetry', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('backs off exponentially from initialDelayMs, doubling up to maxDelayMs', async () => {
    const { retry, retries, giveUps } = makeRetry({ maxAttempts: 7 });
    const attempts: number[] = [];
    const error = await rejection(
      retry.execute(({ attempt }) => {
        attempts.push(attempt);
        throw new TransientError(`attempt ${attempt}`);
      }),
    );
    assert.deepEqual(
      retries.map((event) => event.delayMs),
      [100, 200, 400, 800, 1_000, 1_000],
    );
    assert.deepEqual(
      retries.map((event) => event.attempt),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(retries[0]?.reason, 'http_5xx');
    assert.deepEqual(attempts, [0, 1, 2, 3, 4, 5, 6]);
    assert.ok(error instanceof TransientError);
    assert.equal(error.message, 'attempt 6', 'the last failure is rethrown');
    assert.deepEqual(
      giveUps.map(({ reason, attempts: count }) => ({ reason, count })),
      [{ reason: 'attempts_exhausted', count: 7 }],
    );
  });

  it('keeps each delay within -25 % of nominal (random = 0)', async () => {
    const { retry, retries } = makeRetry({ maxAttempts: 6, random: () => 0 });
    await rejection(retry.execute(() => Promise.reject(new TransientError())));
    const nominal = [100, 200, 400, 800, 1_000];
    assert.equal(retries.length, nominal.length);
    retries.forEach((event, i) => assert.equal(event.delayMs, nominal[i]! * 0.75));
  });

  it('keeps each delay within +25 % of nominal (random ≈ 1)', async () => {
    const { retry, retries } = makeRetry({ maxAttempts: 6, random: () => 0.999_999 });
    await rejection(retry.execute(() => Promise.reject(new TransientError())));
    const nominal = [100, 200, 400, 800, 1_000];
    assert.equal(retries.length, nominal.length);
    retries.forEach((event, i) => {
      assert.ok(event.delayMs <= nominal[i]! * 1.25, `${event.delayMs} ≤ 1.25 × ${nominal[i]}`);
      assert.ok(event.delayMs > nominal[i]! * 1.249, `${event.delayMs} close to 1.25 × ${nominal[i]}`);
    });
  });

  it('actually waits the backoff before the next attempt', async () => {
    const { retry } = makeRetry();
    const calledAt: number[] = [];
    const result = retry.execute(() => {
      calledAt.push(Date.now());
      if (calledAt.length < 3) throw new TransientError();
      return 'third time lucky';
    });
    await flush();
    assert.equal(calledAt.length, 1);
    mock.timers.tick(99);
    await flush();
    assert.equal(calledAt.length, 1);
    mock.timers.tick(1);
    await flush();
    assert.equal(calledAt.length, 2);
    mock.timers.tick(200);
    assert.equal(await result, 'third time lucky');
    assert.deepEqual(calledAt, [1_000_000, 1_000_100, 1_000_300]);
  });

  it('retries a transient failure up to maxAttempts calls in all', async () => {
    const { retry, retries } = makeRetry({ maxAttempts: 3 });
    let calls = 0;
    await rejection(
      retry.execute(() => {
        calls++;
        throw new TransientError();
      }),
    );
    assert.equal(calls, 3);
    assert.equal(retries.length, 2);
  });

  it('returns the value of a retry that succeeds', async () => {
    const { retry, giveUps } = makeRetry();
    let calls = 0;
    const outcome = await settle(
      retry.execute(() => {
        calls++;
        if (calls === 1) throw new TransientError();
        return 'ok';
      }),
    );
    assert.deepEqual(outcome, { ok: true, value: 'ok' });
    assert.equal(calls, 2);
    assert.deepEqual(giveUps, []);
  });

  it('never retries a permanent failure', async () => {
    const { retry, retries, giveUps } = makeRetry();
    let calls = 0;
    const original = new PermanentError('401');
    const error = await rejection(
      retry.execute(() => {
        calls++;
        throw original;
      }),
    );
    assert.equal(error, original);
    assert.equal(calls, 1);
    assert.deepEqual(retries, []);
    assert.equal(giveUps[0]?.reason, 'not_retryable');
    assert.equal(giveUps[0]?.classification.retry, 'permanent');
  });

  const ownRejections: Array<[string, () => Error]> = [
    ["cockatiel's BrokenCircuitError", () => new BrokenCircuitError()],
    ['OpenCircuitError', () => new OpenCircuitError('dep', 'open', 5_000)],
    ['SaturatedError', () => new SaturatedError('dep', 4, 2, 'queue_full', 500)],
    ['RateLimitedError', () => new RateLimitedError('dep', 5_000)],
  ];
  for (const [name, make] of ownRejections) {
    it(`never retries ${name}, rethrowing it as is`, async () => {
      const { retry, retries, giveUps } = makeRetry();
      let calls = 0;
      const original = make();
      const error = await rejection(
        retry.execute(() => {
          calls++;
          throw original;
        }),
      );
      assert.equal(error, original);
      assert.equal(calls, 1);
      assert.deepEqual(retries, []);
      assert.equal(giveUps[0]?.reason, 'not_retryable');
      assert.equal(giveUps[0]?.classification.retry, 'never');
    });
  }

  it('never retries after the caller aborted, whatever the error', async () => {
    const { retry, retries } = makeRetry();
    const controller = new AbortController();
    let calls = 0;
    const error = await rejection(
      retry.execute(() => {
        calls++;
        controller.abort(new Error('client left'));
        throw new TransientError('connection reset');
      }, controller.signal),
    );
    assert.ok(error instanceof TransientError);
    assert.equal(calls, 1);
    assert.deepEqual(retries, []);
  });

  it('an abort during the backoff ends the wait with the signal reason', async () => {
    const { retry } = makeRetry();
    const controller = new AbortController();
    let calls = 0;
    const result = retry.execute(() => {
      calls++;
      throw new TransientError();
    }, controller.signal);
    await flush();
    mock.timers.tick(50);
    const reason = new Error('client left');
    controller.abort(reason);
    await assert.rejects(result, (error: unknown) => error === reason);
    mock.timers.tick(1_000);
    await flush();
    assert.equal(calls, 1);
  });

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
