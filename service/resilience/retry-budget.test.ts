import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { RetryBudget } from './retry-budget.ts';

/** Takes retries until the budget says no; returns how many it gave. */
function drain(budget: RetryBudget, limit = 10_000): number {
  let granted = 0;
  while (granted < limit && budget.tryAcquireRetry()) granted++;
  return granted;
}

describe('RetryBudget', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('allows only the floor (minRetriesPerSecond × window) without calls', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 3, windowMs: 10_000 });
    assert.equal(drain(budget), 30);
    assert.equal(budget.tryAcquireRetry(), false);
  });

  it('allows at most ratio × calls + floor retries in the window', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 3, windowMs: 10_000 });
    for (let i = 0; i < 100; i++) budget.recordCall();
    assert.equal(drain(budget), 0.2 * 100 + 30);
    // More calls earn more retries, at the ratio.
    for (let i = 0; i < 10; i++) budget.recordCall();
    assert.equal(drain(budget), 2);
  });

  it('with no floor and ratio 0.2, one retry per five calls', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 0, windowMs: 10_000 });
    for (let i = 0; i < 4; i++) budget.recordCall();
    assert.equal(budget.tryAcquireRetry(), false);
    budget.recordCall();
    assert.equal(budget.tryAcquireRetry(), true);
    assert.equal(budget.tryAcquireRetry(), false);
  });

  it('gives capacity back as the window slides', () => {
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 3, windowMs: 10_000 });
    assert.equal(drain(budget), 30);
    mock.timers.tick(5_000);
    assert.equal(budget.tryAcquireRetry(), false, 'retries taken 5 s ago still count');
    mock.timers.tick(4_999);
    assert.equal(budget.tryAcquireRetry(), false, 'still inside the 10 s window');
    mock.timers.tick(1);
    assert.equal(drain(budget), 30, 'the old retries fell out of the window');
  });

  it('slides bucket by bucket: only the expired second is returned', () => {
    const budget = new RetryBudget({ ratio: 0, minRetriesPerSecond: 1, windowMs: 10_000 });
    assert.equal(drain(budget, 4), 4); // at t=0
    mock.timers.tick(3_000);
    assert.equal(drain(budget), 6); // at t=3 s, the rest of the 10
    mock.timers.tick(7_000); // t=10 s: the 4 from t=0 expire, the 6 from t=3 s remain
    assert.equal(drain(budget), 4);
  });

  it('calls that fell out of the window no longer earn retries', () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, windowMs: 10_000 });
    for (let i = 0; i < 10; i++) budget.recordCall();
    mock.timers.tick(10_000);
    assert.equal(budget.tryAcquireRetry(), false);
  });
});
