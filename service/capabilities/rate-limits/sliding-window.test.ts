/** The sliding-window arithmetic: the estimate, what remains, and the wait until one more fits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admits, estimate, msUntilAdmitted, remaining, windowAt, type SlidingWindow, type WindowCounts } from './sliding-window.ts';

/** The counts `afterMs` later, with nothing counted meanwhile (windows shift at their boundary). */
function later(window: SlidingWindow, counts: WindowCounts, afterMs: number): WindowCounts {
  const at = counts.elapsedMs + afterMs;
  const shifted = Math.floor(at / window.windowMs);
  const elapsedMs = at - shifted * window.windowMs;
  if (shifted === 0) return { ...counts, elapsedMs };
  if (shifted === 1) return { previous: counts.current, current: 0, elapsedMs };
  return { previous: 0, current: 0, elapsedMs };
}

describe('sliding window', () => {
  it('weighs the previous window by the part of it still inside the sliding window', () => {
    const window = { limit: 10, windowMs: 60_000 };
    assert.equal(estimate(window, { previous: 10, current: 0, elapsedMs: 0 }), 10);
    assert.equal(estimate(window, { previous: 10, current: 2, elapsedMs: 15_000 }), 9.5);
    assert.equal(remaining(window, { previous: 10, current: 2, elapsedMs: 15_000 }), 0);
    assert.equal(admits(window, { previous: 10, current: 2, elapsedMs: 15_000 }), false);
    assert.equal(remaining(window, { previous: 10, current: 2, elapsedMs: 30_000 }), 3);
    assert.deepEqual(windowAt(125_000, 60_000), { index: 2, elapsedMs: 5_000 });
  });

  it('waits exactly until one more fits: never admitted a millisecond sooner', () => {
    for (const windowMs of [1_000, 7_000]) {
      for (let limit = 1; limit <= 6; limit += 1) {
        const window = { limit, windowMs };
        for (let previous = 0; previous <= 8; previous += 1) {
          for (let current = 0; current <= 8; current += 1) {
            for (const elapsedMs of [0, 1, windowMs / 4, windowMs / 2 + 3, windowMs - 1]) {
              const counts = { previous, current, elapsedMs };
              const waitMs = msUntilAdmitted(window, counts);
              const state = JSON.stringify({ window, counts, waitMs });
              assert.equal(waitMs === 0, admits(window, counts), state);
              assert.ok(Number.isInteger(waitMs) && waitMs <= 2 * windowMs, state);
              assert.equal(admits(window, later(window, counts, waitMs)), true, state);
              if (waitMs > 0) assert.equal(admits(window, later(window, counts, waitMs - 1)), false, state);
            }
          }
        }
      }
    }
  });
});
