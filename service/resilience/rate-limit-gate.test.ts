import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Deadline } from './deadline.ts';
import { RateLimitedError } from './errors.ts';
import { RateLimitGate, type GateClosure } from './rate-limit-gate.ts';
import { flush } from './testing/flush.ts';

const NOW = 1_000_000;

function makeGate() {
  const gate = new RateLimitGate({ dependency: 'dep', defaultRetryAfterMs: 1_000, maxRetryAfterMs: 120_000 });
  const closures: GateClosure[] = [];
  const rejections: RateLimitedError[] = [];
  gate.onClose((closure) => closures.push(closure));
  gate.onReject((error) => rejections.push(error));
  return { gate, closures, rejections };
}

describe('RateLimitGate', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  it('is open at first and lets calls straight through, passing the signal', async () => {
    const { gate } = makeGate();
    assert.equal(gate.remainingMs(), 0);
    const controller = new AbortController();
    const value = await gate.execute(({ signal }) => {
      assert.equal(signal, controller.signal);
      return 42;
    }, controller.signal);
    assert.equal(value, 42);
  });

  it('closeFor closes the gate for the given time and counts down', () => {
    const { gate, closures } = makeGate();
    gate.closeFor(5_000);
    assert.equal(gate.closedUntil, NOW + 5_000);
    assert.equal(gate.remainingMs(), 5_000);
    mock.timers.tick(2_000);
    assert.equal(gate.remainingMs(), 3_000);
    mock.timers.tick(3_000);
    assert.equal(gate.remainingMs(), 0);
    assert.deepEqual(closures, [{ dependency: 'dep', until: NOW + 5_000, status: 429, source: 'local' }]);
  });

  it('closeFor caps a long Retry-After at maxRetryAfterMs', () => {
    const { gate } = makeGate();
    gate.closeFor(3_600_000);
    assert.equal(gate.remainingMs(), 120_000);
  });

  it('closeFor uses the default when no Retry-After was given', () => {
    const { gate } = makeGate();
    gate.closeFor(undefined);
    assert.equal(gate.remainingMs(), 1_000);
  });

  it('closeUntil never moves the time earlier, and only a later time emits', () => {
    const { gate, closures } = makeGate();
    gate.closeFor(5_000);
    gate.closeFor(1_000);
    gate.closeUntil(NOW + 4_999);
    gate.closeUntil(NOW + 5_000);
    assert.equal(gate.closedUntil, NOW + 5_000);
    gate.closeUntil(NOW + 8_000, 503, 'peer');
    assert.equal(gate.closedUntil, NOW + 8_000);
    assert.deepEqual(closures, [
      { dependency: 'dep', until: NOW + 5_000, status: 429, source: 'local' },
      { dependency: 'dep', until: NOW + 8_000, status: 503, source: 'peer' },
    ]);
  });

  it('a call waits while the gate is closed when its deadline allows, then runs', async () => {
    const { gate, rejections } = makeGate();
    gate.closeFor(1_000);
    const deadline = new Deadline(5_000);
    let ranAt: number | undefined;
    const result = gate.execute(() => {
      ranAt = Date.now();
      return 'done';
    }, deadline.signal);
    await flush();
    mock.timers.tick(999);
    await flush();
    assert.equal(ranAt, undefined);
    mock.timers.tick(1);
    await flush();
    assert.equal(await result, 'done');
    assert.equal(ranAt, NOW + 1_000);
    assert.deepEqual(rejections, []);
  });

  it('a call without a deadline waits out the closure', async () => {
    const { gate } = makeGate();
    gate.closeFor(30_000);
    let ran = false;
    const result = gate.execute(() => {
      ran = true;
    });
    mock.timers.tick(29_999);
    await flush();
    assert.equal(ran, false);
    mock.timers.tick(1);
    await result;
    assert.equal(ran, true);
  });

  it('a call whose deadline ends before the gate opens is rejected at once with RateLimitedError', async () => {
    const { gate, rejections } = makeGate();
    gate.closeFor(2_000, 503);
    mock.timers.tick(500);
    const deadline = new Deadline(1_500); // exactly when the gate opens: not enough
    let ran = false;
    const error = await gate
      .execute(() => {
        ran = true;
      }, deadline.signal)
      .then(
        () => assert.fail('should reject'),
        (e: unknown) => e,
      );
    assert.equal(ran, false);
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 1_500);
    assert.equal(error.status, 503);
    assert.equal(error.dependency, 'dep');
    assert.deepEqual(rejections, [error]);
    assert.equal(deadline.signal.aborted, false, 'answered before the deadline, not by it');
  });

  it('a waiting call ends with the signal reason when the caller goes away', async () => {
    const { gate } = makeGate();
    gate.closeFor(10_000);
    const deadline = new Deadline(60_000);
    let ran = false;
    const result = gate.execute(() => {
      ran = true;
    }, deadline.signal);
    mock.timers.tick(1_000);
    deadline.clientClosed();
    await assert.rejects(result, (error: unknown) => error === deadline.signal.reason);
    mock.timers.tick(10_000);
    await flush();
    assert.equal(ran, false);
  });

  it('a call whose deadline outlasts the closure by more than 50 ms waits and runs', async () => {
    const { gate, rejections } = makeGate();
    gate.closeFor(1_000);
    const deadline = new Deadline(1_051);
    let ranAt: number | undefined;
    const result = gate.execute(() => {
      ranAt = Date.now();
      return 'ran';
    }, deadline.signal);
    mock.timers.tick(1_000);
    assert.equal(await result, 'ran');
    assert.equal(ranAt, NOW + 1_000);
    assert.deepEqual(rejections, []);
    assert.equal(deadline.signal.aborted, false);
  });

  it('a call that would be left 50 ms or less after the wait is answered at once', async () => {
    const { gate, rejections } = makeGate();
    gate.closeFor(1_000);
    const deadline = new Deadline(1_050);
    await assert.rejects(gate.execute(() => 'ran', deadline.signal), RateLimitedError);
    assert.equal(rejections.length, 1);
  });

  it('checks again after waiting: a closure moved later meanwhile makes the call wait on', async () => {
    const { gate } = makeGate();
    gate.closeFor(1_000);
    let ranAt: number | undefined;
    const result = gate.execute(() => {
      ranAt = Date.now();
    }, new Deadline(60_000).signal);
    mock.timers.tick(500);
    gate.closeFor(2_000); // a peer's 429 half-way through: closed until 2.5 s
    mock.timers.tick(500);
    await flush();
    assert.equal(ranAt, undefined, 'still closed when the first wait ended');
    mock.timers.tick(1_500);
    await result;
    assert.equal(ranAt, NOW + 2_500);
  });
});
