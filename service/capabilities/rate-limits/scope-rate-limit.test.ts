/** The in-memory side of the limits (the Redis side runs against a real redis-server in test/rate-limits.test.ts). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { createInboundRateLimits, ScopeRateLimit } from './scope-rate-limit.ts';

describe('ScopeRateLimit without Redis', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('allows perMinute requests per identity in a fixed 60 s window, then refuses until it ends', async () => {
    const limit = new ScopeRateLimit({ scope: 'ip', perMinute: 3 });
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push(await limit.consume('203.0.113.7'));
    assert.deepEqual(
      decisions.map(({ allowed, remaining, limit: max }) => ({ allowed, remaining, max })),
      [
        { allowed: true, remaining: 2, max: 3 },
        { allowed: true, remaining: 1, max: 3 },
        { allowed: true, remaining: 0, max: 3 },
        { allowed: false, remaining: 0, max: 3 },
      ],
    );
    assert.equal(decisions[3]!.resetMs, 60_000);
    assert.equal(decisions[3]!.shared, false);
    assert.equal((await limit.consume('198.51.100.1')).allowed, true, 'another identity has its own window');

    mock.timers.tick(59_999);
    assert.equal((await limit.consume('203.0.113.7')).allowed, false);
    mock.timers.tick(1);
    const fresh = await limit.consume('203.0.113.7');
    assert.deepEqual({ allowed: fresh.allowed, remaining: fresh.remaining, resetMs: fresh.resetMs }, { allowed: true, remaining: 2, resetMs: 60_000 });
  });

  it('counts only this replica’s share locally, at least one request', async () => {
    let replicas = 4;
    const limit = new ScopeRateLimit({ scope: 'key', perMinute: 10, localShare: () => replicas });
    const first = await limit.consume('alpha');
    assert.deepEqual({ limit: first.limit, remaining: first.remaining }, { limit: 2, remaining: 1 });
    assert.equal((await limit.consume('alpha')).allowed, true);
    assert.equal((await limit.consume('alpha')).allowed, false);

    replicas = 1;
    const widened = await limit.consume('alpha');
    assert.deepEqual({ allowed: widened.allowed, limit: widened.limit }, { allowed: true, limit: 10 });

    replicas = 50;
    const tiny = new ScopeRateLimit({ scope: 'key', perMinute: 10, localShare: () => replicas });
    assert.equal((await tiny.consume('beta')).limit, 1);
  });

  it('0 turns a scope off', () => {
    const limits = createInboundRateLimits({ keyPerMinute: 0, ipPerMinute: 100 });
    assert.equal(limits.key.enabled, false);
    assert.equal(limits.ip.enabled, true);
    assert.equal(limits.ip.perMinute, 100);
  });
});
