import assert from 'node:assert/strict';
import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { HALF_OPEN_AFTER, IgnoredError, boom, failTimes, makeBreaker, ok, openIt } from './testing/circuit-breaker-harness.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { CountAndRateBreaker } from './count-and-rate-breaker.ts';
import { OpenCircuitError } from './errors.ts';

describe('CircuitBreaker: closed, opening, open', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('stays closed for 5 failures among 100 successes', async () => {
    const { breaker, transitions } = makeBreaker({ minimumFailures: 5 });
    for (let i = 0; i < 100; i++) assert.equal(await breaker.execute(ok), 'ok');
    await failTimes(breaker, 5);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(transitions, []);
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('stays closed below minimumFailures, opens once both count and rate are met', async () => {
    const { breaker, transitions } = makeBreaker();
    await failTimes(breaker, 2);
    assert.equal(breaker.state, 'closed');
    await failTimes(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.deepEqual(transitions, [{ from: 'closed', to: 'open', reason: 'failures' }]);
  });

  it('open rejects at once with OpenCircuitError whose retryAfterMs is the time to half-open', async () => {
    const { breaker } = makeBreaker();
    const rejections: OpenCircuitError[] = [];
    breaker.onReject((error) => rejections.push(error));
    await openIt(breaker);
    mock.timers.tick(4_000);
    let called = false;
    const error = await breaker
      .execute(() => {
        called = true;
        return 'x';
      })
      .then(
        () => assert.fail('should reject'),
        (e: unknown) => e,
      );
    assert.equal(called, false);
    assert.ok(error instanceof OpenCircuitError);
    assert.ok(error instanceof BrokenCircuitError);
    assert.equal(error.state, 'open');
    assert.equal(error.dependency, 'dep');
    assert.equal(error.retryAfterMs, HALF_OPEN_AFTER - 4_000);
    assert.equal(breaker.msUntilHalfOpen(), 6_000);
    assert.deepEqual(rejections, [error]);
  });

  it('errors countsAsFailure ignores neither count when closed nor re-open when half-open', async () => {
    const { breaker, counts } = makeBreaker();
    const ignored = () => Promise.reject(new IgnoredError('429'));
    await failTimes(breaker, 10, ignored);
    assert.equal(breaker.state, 'closed');
    assert.equal(counts.counts().failures, 0);

    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER);
    await assert.rejects(breaker.execute(ignored), IgnoredError);
    assert.equal(breaker.state, 'half_open');
    // The probe slot was freed.
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('passes the caller signal to the call and to countsAsFailure', async () => {
    const seen: AbortSignal[] = [];
    const breaker = new CircuitBreaker({
      dependency: 'dep',
      breaker: new CountAndRateBreaker({ minimumFailures: 1, failureRateThreshold: 0.5, windowMs: 60_000 }),
      halfOpenAfterMs: HALF_OPEN_AFTER,
      successesToClose: 1,
      countsAsFailure: (_error, signal) => {
        seen.push(signal);
        return !signal.aborted;
      },
    });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      breaker.execute(({ signal }) => {
        seen.push(signal);
        return boom();
      }, controller.signal),
    );
    assert.deepEqual(seen, [controller.signal, controller.signal]);
    assert.equal(breaker.state, 'closed');
  });

  it('recordFailure() counts a failure seen outside execute and can open the circuit', async () => {
    const { breaker, transitions } = makeBreaker();
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    assert.deepEqual(transitions, [{ from: 'closed', to: 'open', reason: 'failures' }]);
  });

  it('snapshot() reports state, counts and time to half-open', async () => {
    const { breaker } = makeBreaker();
    await breaker.execute(ok);
    await openIt(breaker);
    mock.timers.tick(2_500);
    const snapshot = breaker.snapshot();
    assert.equal(snapshot.state, 'open');
    assert.equal(snapshot.failures, 3);
    assert.equal(snapshot.successes, 1);
    assert.equal(snapshot.failure_rate, 0.75);
    assert.equal(snapshot.half_open_in_ms, 7_500);
    assert.equal(snapshot.opened_at, new Date(1_000_000).toISOString());
  });
});
