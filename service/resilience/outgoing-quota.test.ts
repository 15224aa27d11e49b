import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Deadline } from './deadline.ts';
import { DependencyPolicies } from './dependency-policies.ts';
import { QuotaExhaustedError } from './errors.ts';
import { LocalQuotaStore } from './local-quota-store.ts';
import { OutgoingQuota, type QuotaLimits, type QuotaWait } from './outgoing-quota.ts';
import { asBackground } from './priority.ts';
import { settle } from './testing/retry-harness.ts';
import { flush } from './testing/flush.ts';
import { testPolicySheet } from './testing/policy-sheet.ts';

const NOW = 1_000_000;
const limits = (overrides: Partial<QuotaLimits>): QuotaLimits => ({ requestsPerMinute: 0, concurrent: 0, tokensPerMinute: 0, ...overrides });

function makeQuota(overrides: Partial<QuotaLimits>, backgroundShare?: number) {
  const quota = new OutgoingQuota({ dependency: 'dep', limits: limits(overrides), store: new LocalQuotaStore({ leasePollMs: 20 }), ...(backgroundShare === undefined ? {} : { backgroundShare }) });
  const waits: QuotaWait[] = [];
  const rejections: QuotaExhaustedError[] = [];
  quota.onWait((wait) => waits.push(wait));
  quota.onReject((error) => rejections.push(error));
  return { quota, waits, rejections };
}

const spend = async (quota: OutgoingQuota, calls: number) => {
  for (let i = 0; i < calls; i++) await quota.execute(() => undefined);
};

describe('OutgoingQuota', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  it('lets calls under quota straight through, passing the signal, without a wait', async () => {
    const { quota, waits } = makeQuota({ requestsPerMinute: 10 });
    const controller = new AbortController();
    const value = await quota.execute(({ signal }) => {
      assert.equal(signal, controller.signal);
      return 42;
    }, controller.signal);
    assert.equal(value, 42);
    assert.deepEqual(waits, []);
  });

  it('says how long it was last found exhausted, and clears that once a call is admitted', async () => {
    const { quota } = makeQuota({ requestsPerMinute: 60 });
    await spend(quota, 60);
    assert.equal(quota.exhaustedForMs(), 0, 'not known exhausted before a call was refused');
    await assert.rejects(quota.execute(() => undefined, new Deadline(100).signal), QuotaExhaustedError);
    assert.ok(quota.exhaustedForMs() > 0 && quota.exhaustedForMs() <= 1_000, `exhausted for ${quota.exhaustedForMs()} ms`);
    mock.timers.tick(1_000);
    await quota.execute(() => undefined);
    assert.equal(quota.exhaustedForMs(), 0);
  });

  it('over quota, a call waits for the refill while its deadline allows, then runs', async () => {
    const { quota, waits, rejections } = makeQuota({ requestsPerMinute: 60 });
    await spend(quota, 60);
    const deadline = new Deadline(5_000);
    let ranAt: number | undefined;
    const outcome = await settle(quota.execute(() => (ranAt = Date.now()), deadline.signal));
    assert.equal(outcome.ok, true);
    assert.equal(ranAt, NOW + 1_000, 'one request refills each second');
    assert.deepEqual(waits, [{ dependency: 'dep', quota: 'requests', waitedMs: 1_000 }]);
    assert.deepEqual(rejections, []);
    deadline.release();
  });

  it('refuses at once, without calling, when the wait outlasts the deadline', async () => {
    const { quota, rejections } = makeQuota({ requestsPerMinute: 10 });
    await spend(quota, 10);
    const deadline = new Deadline(2_000);
    let called = false;
    const error = await quota.execute(() => (called = true), deadline.signal).catch((caught: unknown) => caught);
    assert.ok(error instanceof QuotaExhaustedError);
    assert.equal(error.quota, 'requests');
    assert.equal(error.retryAfterMs, 6_000);
    assert.equal(Date.now(), NOW, 'no time passed');
    assert.equal(called, false);
    assert.deepEqual(rejections, [error]);
    deadline.release();
  });

  it('holds calls back while the token budget is in debt from what earlier calls used', async () => {
    const { quota } = makeQuota({ tokensPerMinute: 600 });
    await quota.execute(() => undefined);
    quota.recordTokens(660); // 60 tokens in debt: 6 s
    const deadline = new Deadline(1_000);
    const error = await quota.execute(() => undefined, deadline.signal).catch((caught: unknown) => caught);
    assert.ok(error instanceof QuotaExhaustedError);
    assert.deepEqual([error.quota, error.retryAfterMs], ['tokens', 6_000]);
    deadline.release();
  });

  it('a call waiting for a concurrency slot gets the first one freed', async () => {
    const { quota, waits } = makeQuota({ concurrent: 1 });
    const held = await quota.acquire(new AbortController().signal);
    const deadline = new Deadline(5_000);
    const waiting = quota.acquire(deadline.signal);
    for (let i = 0; i < 5; i++) {
      await flush();
      mock.timers.tick(20);
    }
    held.release();
    const outcome = await settle(waiting);
    assert.equal(outcome.ok, true);
    assert.equal(waits.length, 1);
    assert.equal(waits[0]!.quota, 'concurrent');
    assert.ok(waits[0]!.waitedMs >= 100 && waits[0]!.waitedMs <= 140, `waited ${waits[0]!.waitedMs} ms`);
    deadline.release();
  });

  it('a call that finds no slot before its deadline runs short is refused with the concurrent quota', async () => {
    const { quota, rejections } = makeQuota({ concurrent: 1 });
    await quota.acquire(new AbortController().signal);
    const deadline = new Deadline(200);
    const outcome = await settle(quota.hold(async () => 'ran', deadline.signal));
    assert.equal(outcome.ok, false);
    const error = outcome.ok ? undefined : outcome.error;
    assert.ok(error instanceof QuotaExhaustedError);
    assert.equal(error.quota, 'concurrent');
    assert.ok(Date.now() - NOW < 200, 'refused before the deadline fired');
    assert.equal(rejections.length, 1);
    deadline.release();
  });

  it('a caller that goes away while waiting gets its own abort reason', async () => {
    const { quota } = makeQuota({ requestsPerMinute: 1 });
    await spend(quota, 1);
    const controller = new AbortController();
    const pending = quota.execute(() => 'ran', controller.signal);
    await flush();
    const reason = new Error('client left');
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
  });
});

describe('DependencyPolicies with a quota', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  const sheet = (quota?: QuotaLimits) => testPolicySheet(quota ? { quota } : {});

  it('builds no quota when every dimension is 0', () => {
    assert.equal(new DependencyPolicies(sheet(limits({}))).quota, undefined);
    assert.equal(new DependencyPolicies(sheet()).quota, undefined);
  });

  it('counts every attempt against requests per minute: a retry spends a request too', async () => {
    const store = new LocalQuotaStore();
    const policies = new DependencyPolicies(sheet(limits({ requestsPerMinute: 5 })), { quotaStore: store });
    let attempts = 0;
    const outcome = await settle(
      policies.execute('call', 'm', async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('transient');
        return 'ok';
      }, new AbortController().signal),
    );
    assert.deepEqual(outcome, { ok: true, value: 'ok' });
    assert.equal((await store.snapshot(limits({ requestsPerMinute: 5 }))).requests_available, 2);
  });

  it('holds the concurrency lease across retries, and for streams until the returned lease is released', async () => {
    const store = new LocalQuotaStore();
    const policies = new DependencyPolicies(sheet(limits({ concurrent: 2 })), { quotaStore: store });
    let attempts = 0;
    const leasesSeen: number[] = [];
    await settle(
      policies.execute('call', 'm', async () => {
        leasesSeen.push(store.leasesInUse);
        attempts += 1;
        if (attempts < 2) throw new Error('transient');
      }, new AbortController().signal),
    );
    assert.deepEqual(leasesSeen, [1, 1]);
    assert.equal(store.leasesInUse, 0, 'released when the call ended');

    const { lease } = await policies.executeHoldingSlot('call', 'm', async () => 'stream', new AbortController().signal);
    assert.equal(store.leasesInUse, 1);
    assert.equal(policies.bulkhead.active, 1);
    lease.release();
    assert.equal(store.leasesInUse, 0);
    assert.equal(policies.bulkhead.active, 0);
  });

  it('lets background calls use only their share of the per-minute budget, refusing them at once beyond it', async () => {
    const { quota, waits, rejections } = makeQuota({ requestsPerMinute: 10 }, 0.5);
    const background = () => asBackground(() => quota.execute(() => 'ran'));
    for (let i = 0; i < 5; i++) assert.equal(await background(), 'ran');
    // Half the bucket is left, for interactive calls only: the sixth background call does not wait.
    await assert.rejects(background(), (error: unknown) => error instanceof QuotaExhaustedError && error.quota === 'requests');
    await spend(quota, 5);
    assert.deepEqual(waits, []);
    assert.equal(rejections.length, 1);
  });

  it('lets background calls hold only their share of the concurrent requests', async () => {
    const { quota } = makeQuota({ concurrent: 4 }, 0.5);
    const held = await asBackground(async () => [await quota.acquire(new AbortController().signal), await quota.acquire(new AbortController().signal)]);
    await assert.rejects(asBackground(() => quota.acquire(new AbortController().signal)), (error: unknown) => error instanceof QuotaExhaustedError && error.quota === 'concurrent');
    // Interactive calls still find the other half.
    const interactive = [await quota.acquire(new AbortController().signal), await quota.acquire(new AbortController().signal)];
    for (const lease of [...held, ...interactive]) lease.release();
  });
});
