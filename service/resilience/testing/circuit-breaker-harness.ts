/** Test support: shared harness for the CircuitBreaker tests: a breaker with its transitions recorded, calls that fail or succeed, opening it. */
import assert from 'node:assert/strict';
import { CircuitBreaker, type BreakerTransition } from '../circuit-breaker.ts';
import { CountAndRateBreaker } from '../count-and-rate-breaker.ts';


export class IgnoredError extends Error {}

export const HALF_OPEN_AFTER = 10_000;

export function makeBreaker(overrides: { minimumFailures?: number; successesToClose?: number } = {}) {
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

export const boom = () => Promise.reject(new Error('boom'));
export const ok = () => Promise.resolve('ok');

export async function failTimes(breaker: CircuitBreaker, times: number, fn: () => Promise<string> = boom) {
  for (let i = 0; i < times; i++) await assert.rejects(breaker.execute(fn));
}

export async function openIt(breaker: CircuitBreaker) {
  await failTimes(breaker, 3);
  assert.equal(breaker.state, 'open');
}
