import assert from 'node:assert/strict';
import { CircuitState } from 'cockatiel';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { CountAndRateBreaker } from './count-and-rate-breaker.ts';

const thresholds = { minimumFailures: 5, failureRateThreshold: 0.5, windowMs: 120_000 };

function fail(breaker: CountAndRateBreaker, times: number): boolean[] {
  return Array.from({ length: times }, () => breaker.failure(CircuitState.Closed));
}

describe('CountAndRateBreaker', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('stays closed for 5 failures among 100 successes (rate too low)', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    for (let i = 0; i < 100; i++) breaker.success(CircuitState.Closed);
    assert.deepEqual(fail(breaker, 5), [false, false, false, false, false]);
    assert.deepEqual(breaker.counts(), { failures: 5, successes: 100 });
  });

  it('opens on consecutiveFailures in a row even when the window is full of successes', () => {
    const breaker = new CountAndRateBreaker({ ...thresholds, consecutiveFailures: 5 });
    for (let i = 0; i < 100; i++) breaker.success(CircuitState.Closed);
    assert.deepEqual(fail(breaker, 5), [false, false, false, false, true]);
  });

  it('starts the run of failures again after a success, and ignores runs with consecutiveFailures 0', () => {
    const breaker = new CountAndRateBreaker({ ...thresholds, consecutiveFailures: 3 });
    for (let i = 0; i < 100; i++) breaker.success(CircuitState.Closed);
    assert.deepEqual(fail(breaker, 2), [false, false]);
    breaker.success(CircuitState.Closed);
    assert.deepEqual(fail(breaker, 3), [false, false, true]);
    const off = new CountAndRateBreaker({ ...thresholds, consecutiveFailures: 0 });
    for (let i = 0; i < 100; i++) off.success(CircuitState.Closed);
    assert.deepEqual(fail(off, 10).includes(true), false);
  });

  it('counts failures outside the run (attempt timeouts) in the window only', () => {
    const breaker = new CountAndRateBreaker({ ...thresholds, consecutiveFailures: 3 });
    for (let i = 0; i < 100; i++) breaker.success(CircuitState.Closed);
    const run = [breaker.failure(CircuitState.Closed), breaker.failure(CircuitState.Closed, false), breaker.failure(CircuitState.Closed), breaker.failure(CircuitState.Closed, false)];
    assert.deepEqual(run, [false, false, false, false]);
    assert.equal(breaker.failure(CircuitState.Closed), true, 'the third in the run: the two outside it neither ended nor extended it');
    assert.equal(breaker.counts().failures, 5);
  });

  it('needs minimumFailures even at a 100 % failure rate', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    assert.deepEqual(fail(breaker, 5), [false, false, false, false, true]);
  });

  it('opens exactly when the rate reaches the threshold', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    for (let i = 0; i < 6; i++) breaker.success(CircuitState.Closed);
    assert.deepEqual(fail(breaker, 5), [false, false, false, false, false]); // 5/11
    assert.equal(breaker.failure(CircuitState.Closed), true); // 6/12 = 0.5
  });

  it('forgets failures that left the window', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    fail(breaker, 4);
    mock.timers.tick(120_000);
    assert.deepEqual(breaker.counts(), { failures: 0, successes: 0 });
    assert.equal(breaker.failure(CircuitState.Closed), false);
  });

  it('keeps failures still inside the window', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    fail(breaker, 4);
    mock.timers.tick(100_000);
    assert.equal(breaker.failure(CircuitState.Closed), true);
  });

  it('a half-open failure always re-opens; a half-open success clears the window', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    assert.equal(breaker.failure(CircuitState.HalfOpen), true);
    fail(breaker, 3);
    breaker.success(CircuitState.HalfOpen);
    assert.deepEqual(breaker.counts(), { failures: 0, successes: 1 });
  });

  it('clear() forgets the window; state mirrors the counts and ignores assignment', () => {
    const breaker = new CountAndRateBreaker(thresholds);
    fail(breaker, 3);
    assert.deepEqual(breaker.state, { failures: 3, successes: 0 });
    breaker.state = { failures: 99, successes: 0 };
    assert.deepEqual(breaker.state, { failures: 3, successes: 0 });
    breaker.clear();
    assert.deepEqual(breaker.counts(), { failures: 0, successes: 0 });
  });
});
