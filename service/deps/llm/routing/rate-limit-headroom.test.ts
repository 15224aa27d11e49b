import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResetDuration, RateLimitHeadroom } from './rate-limit-headroom.ts';

describe('RateLimitHeadroom', () => {
  it("reads OpenAI's reset durations", () => {
    assert.equal(parseResetDuration('1s'), 1_000);
    assert.equal(parseResetDuration('250ms'), 250);
    assert.equal(parseResetDuration('6m0s'), 360_000);
    assert.equal(parseResetDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseResetDuration('2'), 2_000);
    assert.equal(parseResetDuration('soon'), undefined);
    assert.equal(parseResetDuration('1s and more'), undefined);
  });

  it('is exhausted until the reset when remaining reaches 0, then full again', () => {
    const headroom = new RateLimitHeadroom();
    headroom.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }, 10_000);
    assert.equal(headroom.exhaustedUntil, 12_000);
    assert.equal(headroom.share(11_999), 0);
    assert.equal(headroom.share(12_000), 1);
  });

  it('shrinks the share below a tenth of the limit left, by requests or tokens, and ignores absent headers', () => {
    const headroom = new RateLimitHeadroom();
    headroom.observe({});
    assert.equal(headroom.share(), 1);
    headroom.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '50', 'x-ratelimit-limit-tokens': '1000', 'x-ratelimit-remaining-tokens': '50' });
    assert.equal(headroom.share(), 0.5);
    headroom.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '99' });
    assert.equal(headroom.share(), 1);
  });

  it('caps a reset time too far off', () => {
    const headroom = new RateLimitHeadroom();
    headroom.observe({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '5h' }, 0);
    assert.equal(headroom.exhaustedUntil, 120_000);
  });
});
