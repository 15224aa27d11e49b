import assert from 'node:assert/strict';
import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { OpenCircuitError, RateLimitedError, SaturatedError } from './errors.ts';
import { ClassifiedRetry } from './retry.ts';
import { PermanentError, TransientError, makeRetry, rejection, settle } from './testing/retry-harness.ts';
import { flush } from './testing/flush.ts';

describe('ClassifiedRetry: what is retried', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

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

  it('tells of a success after retries, never of a first-time success', async () => {
    const { retry, recoveries } = makeRetry({ maxAttempts: 3 });
    assert.deepEqual(await settle(retry.execute(() => 'first time')), { ok: true, value: 'first time' });
    assert.deepEqual(recoveries, []);
    let calls = 0;
    const outcome = await settle(
      retry.execute(() => {
        calls++;
        if (calls < 3) throw new TransientError();
        return 'third time';
      }),
    );
    assert.deepEqual(outcome, { ok: true, value: 'third time' });
    assert.deepEqual(recoveries, [{ dependency: 'dep', attempts: 3 }]);
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
});
