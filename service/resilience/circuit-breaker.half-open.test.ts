import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { HALF_OPEN_AFTER, boom, failTimes, makeBreaker, ok, openIt } from './testing/circuit-breaker-harness.ts';
import { OpenCircuitError } from './errors.ts';

describe('CircuitBreaker: half-open, probes, closing again', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

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
    const probe = Promise.withResolvers<string>();
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
});
