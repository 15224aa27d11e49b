import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTimestamp } from './logger.ts';

describe('log timestamps', () => {
  it('are pino isoTime byte for byte, in any order of times (cached second or not)', () => {
    // A fixed linear congruential sequence: jumps across years, then steps within one second.
    let seed = 12_345;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const times = Array.from({ length: 2_000 }, (_, index) => (index % 2 === 0 ? (next() * 1_913) % 4_102_444_800_000 : 1_764_911_347_000 + (next() % 1_500)));
    for (const now of times) assert.equal(isoTimestamp(now), `,"time":"${new Date(now).toISOString()}"`);
  });

  it('reuse the second but not the milliseconds', () => {
    assert.equal(isoTimestamp(1_764_911_347_001), ',"time":"2025-12-05T05:09:07.001Z"');
    assert.equal(isoTimestamp(1_764_911_347_999), ',"time":"2025-12-05T05:09:07.999Z"');
    assert.equal(isoTimestamp(1_764_911_348_000), ',"time":"2025-12-05T05:09:08.000Z"');
  });
});
