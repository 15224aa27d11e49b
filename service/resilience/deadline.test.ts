import assert from 'node:assert/strict';
import { beforeEach, afterEach, describe, it, mock } from 'node:test';
import { ClientClosedRequestError, Deadline, DeadlineExceededError } from './deadline.ts';

describe('Deadline', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('counts down and fires exactly at its timeout', () => {
    const deadline = new Deadline(200);
    assert.equal(deadline.remainingMs(), 200);
    mock.timers.tick(150);
    assert.equal(deadline.remainingMs(), 50);
    assert.equal(deadline.signal.aborted, false);
    mock.timers.tick(50);
    assert.equal(deadline.signal.aborted, true);
    assert.ok(deadline.signal.reason instanceof DeadlineExceededError);
    assert.equal(deadline.remainingMs(), 0);
  });

  it('stops the clock on release but still aborts when the client leaves', () => {
    const deadline = new Deadline(200);
    deadline.release();
    mock.timers.tick(1_000);
    assert.equal(deadline.signal.aborted, false);
    assert.equal(deadline.remainingMs(), Number.POSITIVE_INFINITY);
    deadline.clientClosed();
    assert.ok(deadline.signal.reason instanceof ClientClosedRequestError);
  });

  it('keeps the first reason', () => {
    const deadline = new Deadline(100);
    deadline.clientClosed();
    mock.timers.tick(100);
    assert.ok(deadline.signal.reason instanceof ClientClosedRequestError);
  });

  it('race rejects with the reason when the deadline fires first, and settles with the work otherwise', async () => {
    const slow = new Deadline(100);
    const never = new Promise<string>(() => {});
    const raced = slow.race(never);
    mock.timers.tick(100);
    await assert.rejects(raced, DeadlineExceededError);

    const fast = new Deadline(100);
    assert.equal(await fast.race(Promise.resolve('done')), 'done');
    await assert.rejects(fast.race(Promise.reject(new Error('work failed'))), /work failed/);
  });
});
