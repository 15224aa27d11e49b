import assert from 'node:assert/strict';
import { BrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { CircuitBreaker, type BreakerTransition } from './circuit-breaker.ts';
import { CountAndRateBreaker } from './count-and-rate-breaker.ts';
import { OpenCircuitError } from './errors.ts';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

class IgnoredError extends Error {}

function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const HALF_OPEN_AFTER = 10_000;

function makeBreaker(overrides: { minimumFailures?: number; successesToClose?: number } = {}) {
  const counts = new CountAndRateBreaker({ minimumFailures: overrides.minimumFailures ?? 3, failureRateThreshold: 0.5, windowMs: 60_000 });
  const breaker = new CircuitBreaker({
    dependency: 'dep',
    breaker: counts,
    halfOpenAfterMs: HALF_OPEN_AFTER,
    successesToClose: overrides.successesToClose ?? 2,
    countsAsFailure: (error) => !(error instanceof IgnoredError),
    busyRetryAfterMs: 750,
  });
  const transitions: Array<Omit<BreakerTransition, 'dependency'>> = [];
  breaker.onStateChange(({ dependency, ...rest }) => {
    assert.equal(dependency, 'dep');
    transitions.push(rest);
  });
  return { breaker, counts, transitions };
}

const boom = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

async function failTimes(breaker: CircuitBreaker, times: number, fn: () => Promise<string> = boom) {
  for (let i = 0; i < times; i++) await assert.rejects(breaker.execute(fn));
}

async function openIt(breaker: CircuitBreaker) {
  await failTimes(breaker, 3);
  assert.equal(breaker.state, 'open');
}

describe('CircuitBreaker', () => {
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

  it('becomes half_open after halfOpenAfterMs by its timer, without traffic', async () => {
    const { breaker, transitions } = makeBreaker();
    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER - 1);
    assert.equal(transitions.length, 1);
    mock.timers.tick(1);
    assert.deepEqual(transitions.at(-1), { from: 'open', to: 'half_open', reason: 'timer' });
  });

  it('becomes half_open lazily when the timer has not run yet', async () => {
    const { breaker, transitions } = makeBreaker();
    await openIt(breaker);
    mock.timers.setTime(Date.now() + HALF_OPEN_AFTER); // the clock moves, no timer runs
    assert.equal(transitions.length, 1);
    assert.equal(breaker.state, 'half_open');
    assert.deepEqual(transitions.at(-1), { from: 'open', to: 'half_open', reason: 'timer' });
    // A call now is a probe, not a rejection.
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('in half-open admits exactly one probe and rejects concurrent calls at once', async () => {
    const { breaker } = makeBreaker();
    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER);
    const probe = deferred();
    let probeCalls = 0;
    const first = breaker.execute(() => {
      probeCalls++;
      return probe.promise;
    });
    let otherCalled = false;
    for (let i = 0; i < 3; i++) {
      await assert.rejects(
        breaker.execute(() => {
          otherCalled = true;
          return 'x';
        }),
        (error: unknown) => error instanceof OpenCircuitError && error.state === 'half_open' && error.retryAfterMs === 750,
      );
    }
    assert.equal(otherCalled, false);
    assert.equal(probeCalls, 1);
    probe.resolve('probe ok');
    assert.equal(await first, 'probe ok');
    // The slot is free again: the next call is the next probe.
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('closes after successesToClose sequential good probes, forgetting the window', async () => {
    const { breaker, counts, transitions } = makeBreaker({ successesToClose: 3 });
    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER);
    await breaker.execute(ok);
    await breaker.execute(ok);
    assert.equal(breaker.state, 'half_open');
    await breaker.execute(ok);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(transitions, [
      { from: 'closed', to: 'open', reason: 'failures' },
      { from: 'open', to: 'half_open', reason: 'timer' },
      { from: 'half_open', to: 'closed', reason: 'probe_succeeded' },
    ]);
    assert.equal(counts.counts().failures, 0);
    // The old failures no longer count: two new ones do not re-open it.
    await failTimes(breaker, 2);
    assert.equal(breaker.state, 'closed');
  });

  it('a failed probe re-opens it for another halfOpenAfterMs, and good probes must start over', async () => {
    const { breaker, transitions } = makeBreaker({ successesToClose: 2 });
    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER);
    await breaker.execute(ok); // one good probe
    await assert.rejects(breaker.execute(boom), /boom/);
    assert.equal(breaker.state, 'open');
    assert.deepEqual(transitions.at(-1), { from: 'half_open', to: 'open', reason: 'probe_failed' });
    await assert.rejects(breaker.execute(ok), (error: unknown) => error instanceof OpenCircuitError && error.retryAfterMs === HALF_OPEN_AFTER);
    mock.timers.tick(HALF_OPEN_AFTER);
    assert.equal(breaker.state, 'half_open');
    await breaker.execute(ok);
    assert.equal(breaker.state, 'half_open', 'the success before the failed probe does not count');
    await breaker.execute(ok);
    assert.equal(breaker.state, 'closed');
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

  it('reset() closes it from open and forgets the window', async () => {
    const { breaker, counts, transitions } = makeBreaker();
    await openIt(breaker);
    breaker.reset();
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(counts.counts(), { failures: 0, successes: 0 });
    assert.deepEqual(transitions.at(-1), { from: 'open', to: 'closed', reason: 'reset' });
    assert.equal(await breaker.execute(ok), 'ok');
    // Its half-open timer was cancelled.
    mock.timers.tick(HALF_OPEN_AFTER);
    assert.equal(breaker.state, 'closed');
    assert.equal(transitions.length, 2);
  });

  it('isolate() holds it open past halfOpenAfterMs until reset()', async () => {
    const { breaker, transitions } = makeBreaker();
    breaker.isolate();
    assert.equal(breaker.state, 'isolated');
    let called = false;
    await assert.rejects(
      breaker.execute(() => {
        called = true;
        return 'x';
      }),
      (error: unknown) => error instanceof OpenCircuitError && error.state === 'isolated' && error.retryAfterMs === 750,
    );
    assert.equal(called, false);
    mock.timers.tick(HALF_OPEN_AFTER * 10);
    assert.equal(breaker.state, 'isolated');
    breaker.reset();
    assert.equal(await breaker.execute(ok), 'ok');
    assert.deepEqual(transitions, [
      { from: 'closed', to: 'isolated', reason: 'isolate' },
      { from: 'isolated', to: 'closed', reason: 'reset' },
    ]);
  });

  it('isolating an open circuit cancels its half-open timer', async () => {
    const { breaker } = makeBreaker();
    await openIt(breaker);
    breaker.isolate();
    mock.timers.tick(HALF_OPEN_AFTER);
    assert.equal(breaker.state, 'isolated');
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

  it('emits every transition of a full cycle, once each', async () => {
    const { breaker, transitions } = makeBreaker({ successesToClose: 1 });
    await openIt(breaker);
    await assert.rejects(breaker.execute(ok), OpenCircuitError); // no transition for a rejection
    mock.timers.tick(HALF_OPEN_AFTER);
    await assert.rejects(breaker.execute(boom));
    mock.timers.tick(HALF_OPEN_AFTER);
    await breaker.execute(ok);
    assert.deepEqual(transitions, [
      { from: 'closed', to: 'open', reason: 'failures' },
      { from: 'open', to: 'half_open', reason: 'timer' },
      { from: 'half_open', to: 'open', reason: 'probe_failed' },
      { from: 'open', to: 'half_open', reason: 'timer' },
      { from: 'half_open', to: 'closed', reason: 'probe_succeeded' },
    ]);
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

  it('a probe still running when the circuit is reset does not affect the closed circuit', async () => {
    const { breaker } = makeBreaker();
    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER);
    const probe = deferred();
    const running = breaker.execute(() => probe.promise);
    breaker.reset();
    probe.reject(new Error('late'));
    await assert.rejects(running, /late/);
    await flush();
    assert.equal(breaker.state, 'closed');
  });
});
