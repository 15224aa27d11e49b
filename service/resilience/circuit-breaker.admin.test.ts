import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { HALF_OPEN_AFTER, makeBreaker, ok, openIt } from './testing/circuit-breaker-harness.ts';
import { flush } from './testing/flush.ts';
import { OpenCircuitError } from './errors.ts';

describe('CircuitBreaker: reset and isolate', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

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

  it('a probe still running when the circuit is reset does not affect the closed circuit', async () => {
    const { breaker } = makeBreaker();
    await openIt(breaker);
    mock.timers.tick(HALF_OPEN_AFTER);
    const probe = Promise.withResolvers<string>();
    const running = breaker.execute(() => probe.promise);
    breaker.reset();
    probe.reject(new Error('late'));
    await assert.rejects(running, /late/);
    await flush();
    assert.equal(breaker.state, 'closed');
  });
});
