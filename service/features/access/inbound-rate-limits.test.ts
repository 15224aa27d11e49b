/** What a rate-limit decision says to the client: the headers of the tightest one, and a 429 naming the policy's window. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitPolicy } from '../../config/rate-limits.ts';
import { isTighter, rateLimitExceeded, rateLimitHeaders, type RateLimitDecision } from './inbound-rate-limits.ts';

const decision = (overrides: Partial<RateLimitDecision>): RateLimitDecision => ({
  policy: rateLimitPolicy('all', 'ip', 100, 60),
  allowed: true,
  limit: 100,
  remaining: 50,
  resetMs: 30_000,
  shared: true,
  ...overrides,
});

describe('inbound rate-limit answers', () => {
  it('reports the policy and its window in seconds', () => {
    const hourly = decision({ policy: rateLimitPolicy('ai', 'key', 200, 3_600), limit: 200, remaining: 0, resetMs: 1_500 });
    assert.deepEqual(rateLimitHeaders(hourly), { 'RateLimit-Limit': '200', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '2', 'RateLimit-Policy': '200;w=3600' });
  });

  it('names the routes, the scope and the window in the 429', () => {
    const cases: Array<[RateLimitDecision, string]> = [
      [decision({ policy: rateLimitPolicy('ai', 'key', 200, 3_600), limit: 200, allowed: false }), 'Rate limit reached for AI requests per client key: 200 per hour.'],
      [decision({ allowed: false, limit: 50 }), 'Rate limit reached for requests per IP address: 50 per minute.'],
      [decision({ policy: rateLimitPolicy('embeddings', 'ip', 20, 10), limit: 20, allowed: false }), 'Rate limit reached for embeddings requests per IP address: 20 per 10 seconds.'],
      [decision({ policy: rateLimitPolicy('chat', 'key', 5, 90), limit: 5, allowed: false }), 'Rate limit reached for chat requests per client key: 5 per 90 seconds.'],
    ];
    for (const [refusal, message] of cases) {
      const error = rateLimitExceeded(refusal);
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.ok(error.message.startsWith(message), error.message);
    }
    const error = rateLimitExceeded(decision({ allowed: false, resetMs: 1_200 }));
    assert.deepEqual(error.headers, { 'Retry-After': '2' });
    assert.deepEqual(error.details, { policy: 'all.ip.1m', scope: 'ip', shared: true });
  });

  it('prefers a refusal, then the fewest left, then the longest wait', () => {
    assert.equal(isTighter(decision({}), undefined), true);
    assert.equal(isTighter(decision({ allowed: false, remaining: 0 }), decision({ remaining: 0 })), true);
    assert.equal(isTighter(decision({ remaining: 0 }), decision({ allowed: false, remaining: 0 })), false);
    assert.equal(isTighter(decision({ remaining: 3 }), decision({ remaining: 4 })), true);
    assert.equal(isTighter(decision({ remaining: 4, resetMs: 90_000 }), decision({ remaining: 3 })), false);
    assert.equal(isTighter(decision({ allowed: false, remaining: 0, resetMs: 90_000 }), decision({ allowed: false, remaining: 0, resetMs: 5_000 })), true);
  });
});
