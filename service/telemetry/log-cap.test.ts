import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { LogCap } from './log-cap.ts';

function makeCap(limit = 60, windowMs = 60_000) {
  const summaries: Array<{ suppressed: number; windowMs: number; at: number }> = [];
  const cap = new LogCap({ limit, windowMs, onSuppressed: (suppressed, window) => summaries.push({ suppressed, windowMs: window, at: Date.now() }) });
  return { cap, summaries };
}

/** How many of `count` attempts, one every `everyMs`, were allowed. */
function offer(cap: LogCap, count: number, everyMs = 0): number {
  let allowed = 0;
  for (let index = 0; index < count; index++) {
    if (cap.tryTake()) allowed++;
    if (everyMs > 0) mock.timers.tick(everyMs);
  }
  return allowed;
}

describe('LogCap', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('allows the limit at once, then holds lines back until the window has passed', () => {
    const { cap, summaries } = makeCap();
    assert.equal(offer(cap, 1_000), 60);
    mock.timers.tick(59_999);
    assert.equal(cap.tryTake(), false, 'the first line is still inside the window');
    mock.timers.tick(1);
    assert.equal(offer(cap, 1_000), 60, 'the whole first burst left the window');
    assert.equal(summaries.length, 1);
  });

  it('reports what it held back once, a window after the first line held back', () => {
    const { cap, summaries } = makeCap();
    offer(cap, 1_000);
    mock.timers.tick(30_000);
    offer(cap, 10);
    assert.deepEqual(summaries, []);
    mock.timers.tick(29_999);
    assert.deepEqual(summaries, []);
    mock.timers.tick(1);
    assert.deepEqual(summaries, [{ suppressed: 940 + 10, windowMs: 60_000, at: 1_060_000 }]);
    mock.timers.tick(600_000);
    assert.equal(summaries.length, 1, 'nothing held back since: no further summary');
  });

  it('writes at most limit lines in any rolling window, however the lines fall', () => {
    const { cap } = makeCap();
    const allowedAt: number[] = [];
    // A steady flood of 20 lines a second for five minutes, with a burst in the middle.
    for (let index = 0; index < 6_000; index++) {
      const burst = index === 3_000 ? 500 : 1;
      for (let line = 0; line < burst; line++) if (cap.tryTake()) allowedAt.push(Date.now());
      mock.timers.tick(50);
    }
    for (const start of allowedAt) {
      const inWindow = allowedAt.filter((at) => at >= start && at < start + 60_000).length;
      assert.ok(inWindow <= 60, `${inWindow} lines in the minute from ${start}`);
    }
    assert.ok(allowedAt.length >= 5 * 60, 'a full quota each minute');
  });

  it('one summary a minute while the flood lasts, each counting its minute', () => {
    const { cap, summaries } = makeCap();
    // 10 lines a second for three minutes: 600 a minute, 60 written.
    assert.equal(offer(cap, 1_800, 100), 180);
    mock.timers.tick(60_000);
    assert.deepEqual(summaries.map((summary) => summary.suppressed), [540, 540, 540]);
    const gaps = summaries.slice(1).map((summary, index) => summary.at - summaries[index]!.at);
    assert.ok(gaps.every((gap) => gap >= 60_000), `summaries a minute apart: ${gaps.join(', ')}`);
  });

  it('a line every second never reaches the cap', () => {
    const { cap, summaries } = makeCap();
    assert.equal(offer(cap, 600, 1_000), 600);
    mock.timers.tick(120_000);
    assert.deepEqual(summaries, []);
  });
});
