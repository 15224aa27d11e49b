import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { LocalQuotaStore } from './local-quota-store.ts';
import type { QuotaLimits } from './outgoing-quota.ts';
import { TokenBucket } from './token-bucket.ts';

const NOW = 1_000_000;
const limits = (overrides: Partial<QuotaLimits>): QuotaLimits => ({ requestsPerMinute: 0, concurrent: 0, tokensPerMinute: 0, ...overrides });

describe('TokenBucket', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  it('starts full, refills continuously and never beyond its limit', () => {
    const bucket = new TokenBucket();
    assert.equal(bucket.level(60), 60);
    bucket.add(-60, 60);
    assert.equal(bucket.level(60), 0);
    mock.timers.tick(500);
    assert.equal(bucket.level(60), 0.5);
    mock.timers.tick(120_000);
    assert.equal(bucket.level(60), 60);
  });

  it('says how long until a level is reached', () => {
    const bucket = new TokenBucket();
    bucket.add(-60, 60);
    assert.equal(bucket.msUntil(1, 60), 1_000);
    mock.timers.tick(999);
    assert.equal(bucket.msUntil(1, 60), 1);
    mock.timers.tick(1);
    assert.equal(bucket.msUntil(1, 60), 0);
  });

  it('goes into debt down to one minute of refill at most', () => {
    const bucket = new TokenBucket();
    assert.equal(bucket.add(-1_000, 100), -100);
    assert.equal(bucket.msUntil(0, 100), 60_000);
  });
});

describe('LocalQuotaStore', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: NOW }));
  afterEach(() => mock.timers.reset());

  it('admits a burst of the per-minute limit, then one request per refill interval', async () => {
    const store = new LocalQuotaStore();
    const quota = limits({ requestsPerMinute: 10 });
    for (let i = 0; i < 10; i++) assert.deepEqual(await store.admit(quota), { admitted: true });
    assert.deepEqual(await store.admit(quota), { admitted: false, quota: 'requests', waitMs: 6_000 });
    mock.timers.tick(6_000);
    assert.deepEqual(await store.admit(quota), { admitted: true });
    assert.equal((await store.admit(quota)).admitted, false);
  });

  it('admits while the token budget is not in debt, and holds calls back until the debt is refilled', async () => {
    const store = new LocalQuotaStore();
    const quota = limits({ tokensPerMinute: 600 });
    assert.deepEqual(await store.admit(quota), { admitted: true });
    store.debitTokens(600, 900); // the answer was larger than the whole budget: 300 in debt
    assert.deepEqual(await store.admit(quota), { admitted: false, quota: 'tokens', waitMs: 30_000 });
    mock.timers.tick(30_000);
    assert.deepEqual(await store.admit(quota), { admitted: true });
  });

  it('checks both budgets before drawing from either, and names the longer wait', async () => {
    const store = new LocalQuotaStore();
    const quota = limits({ requestsPerMinute: 60, tokensPerMinute: 60 });
    store.debitTokens(60, 70); // 10 tokens in debt: 10 s
    assert.deepEqual(await store.admit(quota), { admitted: false, quota: 'tokens', waitMs: 10_000 });
    const snapshot = await store.snapshot(quota);
    assert.equal(snapshot.requests_available, 60, 'no request was taken while tokens were in debt');
  });

  it('grants leases up to the limit, asks callers to poll beyond it, and frees a slot on release (once)', async () => {
    const store = new LocalQuotaStore({ leasePollMs: 20 });
    const first = await store.acquireLease(2);
    const second = await store.acquireLease(2);
    assert.ok(first.lease && second.lease);
    assert.deepEqual(await store.acquireLease(2), { waitMs: 20 });
    first.lease.release();
    first.lease.release();
    assert.equal(store.leasesInUse, 1);
    assert.ok((await store.acquireLease(2)).lease);
    assert.deepEqual(await store.acquireLease(2), { waitMs: 20 });
  });

  it('divides the limits by its share, never below one request or one slot', async () => {
    let share = 4;
    const store = new LocalQuotaStore({ share: () => share });
    const quota = limits({ requestsPerMinute: 10, concurrent: 2 });
    const snapshot = await store.snapshot(quota);
    assert.equal(snapshot.requests_per_minute, 2.5);
    assert.equal(snapshot.concurrent, 1);
    for (let i = 0; i < 2; i++) assert.equal((await store.admit(quota)).admitted, true);
    assert.deepEqual(await store.admit(quota), { admitted: false, quota: 'requests', waitMs: 12_000 });
    assert.ok((await store.acquireLease(2)).lease);
    assert.equal((await store.acquireLease(2)).lease, undefined);
    share = 1;
    assert.ok((await store.acquireLease(2)).lease, 'a larger share applies at once');
  });

  it('mirrors what a shared store admitted, so a fallback starts from recent use', async () => {
    const store = new LocalQuotaStore();
    const quota = limits({ requestsPerMinute: 3 });
    for (let i = 0; i < 5; i++) store.mirrorAdmitted(quota);
    assert.equal((await store.snapshot(quota)).requests_available, 0);
    assert.equal((await store.admit(quota)).admitted, false);
    const lease = store.countLease();
    assert.equal(store.leasesInUse, 1);
    lease.release();
    assert.equal(store.leasesInUse, 0);
  });

  it('reports a local snapshot with nulls for unlimited dimensions', async () => {
    const store = new LocalQuotaStore();
    assert.deepEqual(await store.snapshot(limits({ concurrent: 5 })), {
      mode: 'local',
      requests_per_minute: 0,
      concurrent: 5,
      tokens_per_minute: 0,
      requests_available: null,
      tokens_available: null,
      leases_in_use: 0,
    });
  });
});
