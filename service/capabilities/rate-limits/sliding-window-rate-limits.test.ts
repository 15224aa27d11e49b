/**
 * The in-memory side of the limits with fake time (the Redis side runs against a real
 * redis-server in test/rate-limits*.test.ts): no burst at a window boundary, the budget regained
 * as the previous window decays, refusals not counted, all-or-none across policies, the local
 * share, and bounded memory.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { rateLimitPolicy } from '../../config/rate-limits.ts';
import { MemoryWindowCounter } from './memory-window-counter.ts';
import type { RateLimitPolicy } from './rate-limit.ts';
import { SlidingWindowRateLimits } from './sliding-window-rate-limits.ts';

const IP = '203.0.113.7';

/** Sends `count` requests now; how many were admitted. */
async function admitted(limits: SlidingWindowRateLimits, policy: RateLimitPolicy, count: number, identity = IP): Promise<number> {
  let admittedCount = 0;
  for (let i = 0; i < count; i += 1) if ((await limits.consume([{ policy, identity }]))[0]!.allowed) admittedCount += 1;
  return admittedCount;
}

describe('SlidingWindowRateLimits without Redis', () => {
  // Windows are aligned to the epoch: the fake clock starts at 0, the start of window 0.
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 0 }));
  afterEach(() => mock.timers.reset());

  it('admits the limit in a window, then refuses with the wait until one more fits', async () => {
    const policy = rateLimitPolicy('all', 'ip', 3, 60);
    const limits = new SlidingWindowRateLimits({ policies: [policy] });
    mock.timers.tick(15_000);
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push((await limits.consume([{ policy, identity: IP }]))[0]!);
    assert.deepEqual(
      decisions.map(({ allowed, remaining, limit, resetMs, shared }) => ({ allowed, remaining, limit, resetMs, shared })),
      [
        // Requests left: the reset is the end of the current window.
        { allowed: true, remaining: 2, limit: 3, resetMs: 45_000, shared: false },
        { allowed: true, remaining: 1, limit: 3, resetMs: 45_000, shared: false },
        // None left: when the next one fits, 3 × (1 − t/60 s) ≤ 2 from t = 20 s into the next window.
        { allowed: true, remaining: 0, limit: 3, resetMs: 65_000, shared: false },
        { allowed: false, remaining: 0, limit: 3, resetMs: 65_000, shared: false },
      ],
    );
    assert.equal((await limits.consume([{ policy, identity: '198.51.100.1' }]))[0]!.allowed, true, 'another identity counts apart');
    mock.timers.tick(64_999);
    assert.equal(await admitted(limits, policy, 1), 0);
    mock.timers.tick(1);
    assert.equal(await admitted(limits, policy, 2), 1);
  });

  it('admits no 2× burst at a window boundary: only the part the previous window has decayed by', async () => {
    const policy = rateLimitPolicy('ai', 'key', 100, 60);
    const limits = new SlidingWindowRateLimits({ policies: [policy] });
    mock.timers.tick(59_000);
    assert.equal(await admitted(limits, policy, 150), 100, 'the limit, at the end of window N');
    mock.timers.tick(1_000);
    assert.equal(await admitted(limits, policy, 150), 0, 'none at the start of window N+1 (a fixed window would admit 100 more)');
    mock.timers.tick(6_000);
    assert.equal(await admitted(limits, policy, 150), 10, '6 s in, the previous window weighs 90 %: 10 fit');
    mock.timers.tick(24_000);
    assert.equal(await admitted(limits, policy, 150), 40, 'half way, 50 of the previous window are left: 40 more');
    mock.timers.tick(30_000);
    assert.equal(await admitted(limits, policy, 150), 50, 'the start of N+2 carries the 50 of N+1');
    mock.timers.tick(120_000);
    assert.equal(await admitted(limits, policy, 150), 100, 'two idle windows later, the whole limit again');
  });

  it('does not count refusals: a client retrying while limited gets through once the window decays', async () => {
    const policy = rateLimitPolicy('all', 'key', 2, 10);
    const limits = new SlidingWindowRateLimits({ policies: [policy] });
    assert.equal(await admitted(limits, policy, 2, 'alpha'), 2);
    const refusal = (await limits.consume([{ policy, identity: 'alpha' }]))[0]!;
    assert.equal(refusal.allowed, false);
    // 10 s to the next window, then 5 s until the 2 of this one weigh 1.
    assert.equal(refusal.resetMs, 15_000);
    let firstAdmittedAtMs: number | undefined;
    for (let atMs = 100; atMs <= 20_000 && firstAdmittedAtMs === undefined; atMs += 100) {
      mock.timers.tick(100);
      if ((await limits.consume([{ policy, identity: 'alpha' }]))[0]!.allowed) firstAdmittedAtMs = atMs;
    }
    assert.equal(firstAdmittedAtMs, 15_000, 'retried every 100 ms, admitted when the refusal said');
  });

  it('counts a request in every policy or in none: one policy refusing leaves the others untouched', async () => {
    const wide = rateLimitPolicy('all', 'key', 5, 60);
    const narrow = rateLimitPolicy('ai', 'key', 2, 3_600);
    const limits = new SlidingWindowRateLimits({ policies: [wide, narrow] });
    const both = () => limits.consume([{ policy: wide, identity: 'alpha' }, { policy: narrow, identity: 'alpha' }]);
    assert.deepEqual((await both()).map(({ allowed, remaining }) => ({ allowed, remaining })), [{ allowed: true, remaining: 4 }, { allowed: true, remaining: 1 }]);
    await both();
    const refused = await both();
    assert.deepEqual(refused.map(({ allowed, remaining }) => ({ allowed, remaining })), [{ allowed: true, remaining: 3 }, { allowed: false, remaining: 0 }]);
    assert.equal(refused[1]!.resetMs, 3_600_000 + 1_800_000, 'an hour-long window: the next hour, half way');
    assert.equal(await admitted(limits, wide, 10, 'alpha'), 3, 'the wide policy counted only the 2 requests admitted');
  });

  it('counts only this replica’s share locally, at least one request', async () => {
    let replicas = 4;
    const policy = rateLimitPolicy('all', 'key', 10, 60);
    const limits = new SlidingWindowRateLimits({ policies: [policy], localShare: () => replicas });
    const first = (await limits.consume([{ policy, identity: 'alpha' }]))[0]!;
    assert.deepEqual({ limit: first.limit, remaining: first.remaining }, { limit: 2, remaining: 1 });
    assert.equal(await admitted(limits, policy, 5, 'alpha'), 1);
    replicas = 1;
    const widened = (await limits.consume([{ policy, identity: 'alpha' }]))[0]!;
    assert.deepEqual({ allowed: widened.allowed, limit: widened.limit }, { allowed: true, limit: 10 });
    replicas = 50;
    assert.equal((await limits.consume([{ policy, identity: 'beta' }]))[0]!.limit, 1);
  });

  it('answers no decision for no check', async () => {
    assert.deepEqual(await new SlidingWindowRateLimits({ policies: [] }).consume([]), []);
  });
});

describe('MemoryWindowCounter', () => {
  it('holds at most maxIdentities, forgetting the least recently seen: a flood of IPs cannot grow memory', () => {
    const counter = new MemoryWindowCounter(1_000);
    const window = { limit: 1, windowMs: 60_000 };
    assert.equal(counter.take([{ key: 'all.ip.1m steady', window }], 0).admitted, true);
    for (let i = 0; i < 20_000; i += 1) {
      counter.take([{ key: `all.ip.1m 10.0.${i >> 8}.${i & 255}`, window }], 1);
      // The steady client keeps being seen, so it is never the one forgotten.
      if (i % 500 === 0) assert.equal(counter.take([{ key: 'all.ip.1m steady', window }], 2).admitted, false);
    }
    assert.equal(counter.size, 1_000);
  });
});
