import assert from 'node:assert/strict';
import { BulkheadRejectedError } from 'cockatiel';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Bulkhead } from './bulkhead.ts';
import { childSignal, Deadline, DeadlineExceededError } from './deadline.ts';
import { SaturatedError } from './errors.ts';
import { flush } from './testing/flush.ts';

function makeBulkhead(overrides: { maxConcurrent?: number; maxQueued?: number; queueTimeoutMs?: number } = {}) {
  const bulkhead = new Bulkhead({
    dependency: 'dep',
    maxConcurrent: overrides.maxConcurrent ?? 2,
    maxQueued: overrides.maxQueued ?? 1,
    queueTimeoutMs: overrides.queueTimeoutMs ?? 1_000,
    retryAfterMs: 500,
  });
  const rejections: SaturatedError[] = [];
  bulkhead.onReject((error) => rejections.push(error));
  return { bulkhead, rejections };
}

/** Starts a call that runs until its gate settles; `started` tells whether it got a slot. */
function hold(bulkhead: Bulkhead, signal?: AbortSignal) {
  const gate = Promise.withResolvers<string>();
  const call = { started: false, gate, result: undefined as unknown as Promise<string> };
  call.result = bulkhead.execute(() => {
    call.started = true;
    return gate.promise;
  }, signal);
  return call;
}

const isSaturated = (reason: SaturatedError['reason']) => (error: unknown) =>
  error instanceof SaturatedError && error instanceof BulkheadRejectedError && error.reason === reason && error.retryAfterMs === 500 && error.dependency === 'dep';

describe('Bulkhead', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('runs up to maxConcurrent calls, queues up to maxQueued, and rejects beyond at once with queue_full', async () => {
    const { bulkhead, rejections } = makeBulkhead();
    const a = hold(bulkhead);
    const b = hold(bulkhead);
    const c = hold(bulkhead);
    await flush();
    assert.equal(a.started && b.started, true);
    assert.equal(c.started, false);
    assert.equal(bulkhead.active, 2);
    assert.equal(bulkhead.queued, 1);
    assert.equal(bulkhead.capacity, 2);

    let ran = false;
    await assert.rejects(
      bulkhead.execute(() => {
        ran = true;
        return 'x';
      }),
      isSaturated('queue_full'),
    );
    assert.equal(ran, false);
    assert.equal(rejections.length, 1);
    assert.equal(bulkhead.queued, 1);
  });

  it('a queued call takes the slot freed by a completed call', async () => {
    const { bulkhead } = makeBulkhead();
    const a = hold(bulkhead);
    const b = hold(bulkhead);
    const c = hold(bulkhead);
    await flush();
    a.gate.resolve('a');
    assert.equal(await a.result, 'a');
    await flush();
    assert.equal(c.started, true);
    assert.equal(bulkhead.active, 2);
    assert.equal(bulkhead.queued, 0);
    b.gate.resolve('b');
    c.gate.resolve('c');
    assert.deepEqual(await Promise.all([b.result, c.result]), ['b', 'c']);
    assert.equal(bulkhead.active, 0);
  });

  it('a failed call frees its slot too, and the failure reaches the caller', async () => {
    const { bulkhead } = makeBulkhead({ maxConcurrent: 1 });
    const a = hold(bulkhead);
    const b = hold(bulkhead);
    await flush();
    a.gate.reject(new Error('upstream failed'));
    await assert.rejects(a.result, /upstream failed/);
    await flush();
    assert.equal(b.started, true);
    b.gate.resolve('b');
    await b.result;
    assert.equal(bulkhead.active, 0);
    // A synchronous throw frees the slot as well.
    await assert.rejects(
      bulkhead.execute(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(bulkhead.active, 0);
  });

  it('a queued call gives up with queue_timeout after queueTimeoutMs', async () => {
    const { bulkhead, rejections } = makeBulkhead();
    hold(bulkhead);
    hold(bulkhead);
    const c = hold(bulkhead);
    let settled = false;
    c.result.catch(() => {}).finally(() => (settled = true));
    mock.timers.tick(999);
    await flush();
    assert.equal(settled, false);
    mock.timers.tick(1);
    await assert.rejects(c.result, isSaturated('queue_timeout'));
    assert.equal(c.started, false);
    assert.equal(bulkhead.queued, 0);
    assert.equal(rejections.length, 1);
  });

  it('a queued call waits no longer than its remaining deadline when that is shorter', async () => {
    const { bulkhead } = makeBulkhead({ queueTimeoutMs: 10_000 });
    hold(bulkhead);
    hold(bulkhead);
    const deadline = new Deadline(300);
    const c = hold(bulkhead, deadline.signal);
    let settled = false;
    c.result.catch(() => {}).finally(() => (settled = true));
    mock.timers.tick(299);
    await flush();
    assert.equal(settled, false);
    assert.equal(bulkhead.queued, 1);
    mock.timers.tick(1);
    // Both the deadline and the queue timer are due now; either way the caller hears at its deadline.
    await assert.rejects(c.result, (error: unknown) => error instanceof DeadlineExceededError || (error instanceof SaturatedError && error.reason === 'queue_timeout'));
    assert.equal(bulkhead.queued, 0);
    assert.equal(c.started, false);
  });

  it('a queued call gives up with queue_timeout at the remaining deadline when that is shorter than queueTimeoutMs', async () => {
    const { bulkhead } = makeBulkhead({ queueTimeoutMs: 10_000 });
    hold(bulkhead);
    hold(bulkhead);
    // A signal that carries a 300 ms deadline but no timer of its own (the parent's clock was
    // released), so only the bulkhead's own wait can end the queueing.
    const parent = new Deadline(300);
    const { signal } = childSignal(parent.signal);
    parent.release();
    const c = hold(bulkhead, signal);
    let settled = false;
    c.result.catch(() => {}).finally(() => (settled = true));
    mock.timers.tick(299);
    await flush();
    assert.equal(settled, false);
    mock.timers.tick(1);
    await flush();
    assert.equal(settled, true, 'rejected at the deadline, not at queueTimeoutMs');
    await assert.rejects(c.result, isSaturated('queue_timeout'));
    assert.equal(bulkhead.queued, 0);
  });

  it('uses min(queueTimeoutMs, remaining deadline): a far deadline does not extend the queue timeout', async () => {
    const { bulkhead } = makeBulkhead({ queueTimeoutMs: 1_000 });
    hold(bulkhead);
    hold(bulkhead);
    const deadline = new Deadline(60_000);
    const c = hold(bulkhead, deadline.signal);
    mock.timers.tick(1_000);
    await assert.rejects(c.result, isSaturated('queue_timeout'));
    assert.equal(deadline.signal.aborted, false);
  });

  it('an abort while queued rejects with the signal reason and leaves the queue', async () => {
    const { bulkhead, rejections } = makeBulkhead({ maxConcurrent: 1, maxQueued: 2 });
    const a = hold(bulkhead);
    const controller = new AbortController();
    const b = hold(bulkhead, controller.signal);
    const c = hold(bulkhead);
    await flush();
    assert.equal(bulkhead.queued, 2);
    const reason = new Error('client went away');
    controller.abort(reason);
    await assert.rejects(b.result, (error: unknown) => error === reason);
    assert.equal(bulkhead.queued, 1);
    assert.deepEqual(rejections, []);
    // The freed slot goes to the next waiter, not the aborted one.
    a.gate.resolve('a');
    await a.result;
    await flush();
    assert.equal(b.started, false);
    assert.equal(c.started, true);
    // Its queue timer was cleared: nothing fires later.
    mock.timers.tick(5_000);
    await flush();
    assert.deepEqual(rejections, []);
  });

  it('rejects at once with the reason when the signal is already aborted', async () => {
    const { bulkhead } = makeBulkhead();
    const controller = new AbortController();
    const reason = new Error('already gone');
    controller.abort(reason);
    await assert.rejects(bulkhead.acquire(controller.signal), (error: unknown) => error === reason);
    assert.equal(bulkhead.active, 0);
  });

  it('acquire() returns a lease held until release(), which is idempotent', async () => {
    const { bulkhead } = makeBulkhead({ maxConcurrent: 2, maxQueued: 1 });
    const signal = new AbortController().signal;
    const first = await bulkhead.acquire(signal);
    const second = await bulkhead.acquire(signal);
    assert.equal(bulkhead.active, 2);
    let granted = false;
    const waiting = bulkhead.acquire(signal);
    void waiting.then(() => (granted = true));
    await flush();
    assert.equal(granted, false);
    assert.equal(bulkhead.queued, 1);
    first.release();
    const third = await waiting;
    assert.equal(granted, true);
    assert.equal(bulkhead.active, 2);
    first.release(); // a second release must not free another slot
    assert.equal(bulkhead.active, 2);
    second.release();
    third.release();
    assert.equal(bulkhead.active, 0);
  });

  it('passes the caller signal to the call', async () => {
    const { bulkhead } = makeBulkhead();
    const controller = new AbortController();
    const seen = await bulkhead.execute(({ signal }) => signal, controller.signal);
    assert.equal(seen, controller.signal);
  });
});
