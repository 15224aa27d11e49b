import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ClassifiedRetry } from './retry.ts';
import { TransientError, makeRetry, rejection } from './testing/retry-harness.ts';
import { flush } from './testing/flush.ts';

describe('ClassifiedRetry: backoff', () => {
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
});
