import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { AdaptiveTimeout, AdaptiveTimeoutPolicy, OVERFLOW_KEY, type AttemptContext } from './adaptive-timeout.ts';
import { AdaptiveTimeoutTracker, type AdaptiveTimeoutOptions } from './adaptive-timeout-tracker.ts';
import { Deadline, DeadlineExceededError } from './deadline.ts';
import { AttemptTimeoutError } from './errors.ts';
import { flush } from './testing/flush.ts';

const options: AdaptiveTimeoutOptions = {
  multiplier: 2,
  floorMs: 100,
  ceilingMs: 5_000,
  defaultMs: 1_000,
  windowMs: 60_000,
  minSamples: 10,
  escalateAfterTimeouts: 3,
  escalationFactor: 2,
};

/** The tracker recomputes its P95 at most every 200 ms; step past that before reading. */
function currentAfterRecompute(tracker: AdaptiveTimeoutTracker) {
  mock.timers.tick(200);
  return tracker.current();
}

function recordMany(tracker: AdaptiveTimeoutTracker, count: number, ms: number) {
  for (let i = 0; i < count; i++) tracker.recordSuccess(ms);
}

describe('AdaptiveTimeoutTracker', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('uses defaultMs until minSamples successes are in the window', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    assert.deepEqual(tracker.current(), { timeoutMs: 1_000, p95Ms: 0, samples: 0 });
    recordMany(tracker, 9, 200);
    assert.deepEqual(currentAfterRecompute(tracker), { timeoutMs: 1_000, p95Ms: 0, samples: 9 });
    tracker.recordSuccess(200);
    assert.deepEqual(currentAfterRecompute(tracker), { timeoutMs: 400, p95Ms: 200, samples: 10 });
  });

  it('is multiplier × P95, the P95 ignoring the slowest 5 %', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    recordMany(tracker, 96, 200);
    recordMany(tracker, 4, 2_000);
    const { timeoutMs, p95Ms } = currentAfterRecompute(tracker);
    assert.equal(p95Ms, 200);
    assert.equal(timeoutMs, 400);
  });

  it('clamps to floorMs and ceilingMs', () => {
    const fast = new AdaptiveTimeoutTracker(options);
    recordMany(fast, 20, 20);
    assert.equal(currentAfterRecompute(fast).timeoutMs, 100);
    const slow = new AdaptiveTimeoutTracker(options);
    recordMany(slow, 20, 4_000);
    assert.equal(currentAfterRecompute(slow).timeoutMs, 5_000);
  });

  it('says whether it adapts: a ceiling-only timeout (floor = ceiling) sits at its ceiling by design', () => {
    const adaptive = new AdaptiveTimeoutTracker(options);
    assert.equal(adaptive.adapts, true);
    assert.equal(adaptive.ceilingMs, 5_000);
    assert.equal(new AdaptiveTimeoutTracker({ ...options, floorMs: 5_000, defaultMs: 5_000 }).adapts, false);
  });

  it('follows a latency shift as the window slides', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    recordMany(tracker, 20, 1_023); // 1 023 ms is exact in the histogram (two significant figures)
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 2_046);
    mock.timers.tick(30_000);
    recordMany(tracker, 20, 200);
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 2_046, 'the slow half is still in the window');
    // Now t0 + 30 400 ms; the slow samples (t0) leave at t0 + 60 000 ms.
    mock.timers.tick(29_399);
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 2_046, 'at t0 + 59 999 ms');
    const after = currentAfterRecompute(tracker); // t0 + 60 199 ms
    assert.equal(after.timeoutMs, 400);
    assert.equal(after.samples, 20);
  });

  it('falls back to defaultMs when the window empties', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    recordMany(tracker, 20, 200);
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 400);
    mock.timers.tick(60_000);
    assert.deepEqual(tracker.current(), { timeoutMs: 1_000, p95Ms: 0, samples: 0 });
  });

  it('records a timeout as a censored sample at the timeout value', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    recordMany(tracker, 9, 200);
    tracker.recordTimeout(1_023);
    const { samples, p95Ms, timeoutMs } = currentAfterRecompute(tracker);
    assert.equal(samples, 10);
    assert.equal(p95Ms, 1_023);
    assert.equal(timeoutMs, 2_046);
  });

  it('escalates after escalateAfterTimeouts consecutive timeouts, by the factor, for one window', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    recordMany(tracker, 100, 200);
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 400);
    tracker.recordTimeout(400);
    tracker.recordTimeout(400);
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 400, 'two timeouts do not escalate');
    tracker.recordTimeout(400);
    assert.equal(tracker.current().timeoutMs, 800, 'escalation applies at once, without waiting for a recompute');
    assert.equal(tracker.current().p95Ms, 200);
    mock.timers.tick(59_999);
    recordMany(tracker, 100, 200); // fresh samples, so the P95 survives the old slice leaving
    assert.equal(tracker.current().timeoutMs, 800, 'held for one window');
    mock.timers.tick(1);
    assert.equal(tracker.current().timeoutMs, 400, 'back to the P95 after the window');
  });

  it('a success between timeouts resets the consecutive count', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    recordMany(tracker, 100, 200);
    tracker.recordTimeout(400);
    tracker.recordTimeout(400);
    tracker.recordSuccess(200);
    tracker.recordTimeout(400);
    tracker.recordTimeout(400);
    assert.equal(currentAfterRecompute(tracker).timeoutMs, 400);
    tracker.recordTimeout(400);
    assert.equal(tracker.current().timeoutMs, 800);
  });

  it('caps escalation at the ceiling, and escalates again from the escalated value', () => {
    const tracker = new AdaptiveTimeoutTracker(options);
    for (let i = 0; i < 3; i++) tracker.recordTimeout(1_000);
    assert.equal(tracker.current().timeoutMs, 2_000);
    for (let i = 0; i < 3; i++) tracker.recordTimeout(2_000);
    assert.equal(tracker.current().timeoutMs, 4_000);
    for (let i = 0; i < 3; i++) tracker.recordTimeout(4_000);
    assert.equal(tracker.current().timeoutMs, 5_000);
  });
});

describe('AdaptiveTimeoutPolicy', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  const makePolicy = () => new AdaptiveTimeoutPolicy('model-a', new AdaptiveTimeoutTracker(options));

  it('passes the current timeout in the context and records a success', async () => {
    const policy = makePolicy();
    let context: AttemptContext | undefined;
    const value = await policy.execute((ctx) => {
      context = ctx;
      return 'ok';
    });
    assert.equal(value, 'ok');
    assert.equal(context?.timeoutMs, 1_000);
    assert.equal(context?.signal.aborted, false);
    assert.equal(currentAfterRecompute(policy.tracker).samples, 1);
  });

  it('cuts a never-settling attempt at the current timeout with AttemptTimeoutError', async () => {
    const policy = makePolicy();
    let attemptSignal: AbortSignal | undefined;
    let settled = false;
    const result = policy.execute(({ signal }) => {
      attemptSignal = signal;
      return new Promise<never>(() => {});
    });
    result.catch(() => {}).finally(() => (settled = true));
    mock.timers.tick(999);
    await flush();
    assert.equal(settled, false);
    mock.timers.tick(1);
    await assert.rejects(result, (error: unknown) => error instanceof AttemptTimeoutError && error.timeoutMs === 1_000);
    assert.equal(attemptSignal?.aborted, true, 'the attempt is told to stop');
    assert.ok(attemptSignal?.reason instanceof AttemptTimeoutError);
    // The timeout was recorded as a censored sample.
    assert.deepEqual(currentAfterRecompute(policy.tracker), { timeoutMs: 1_000, p95Ms: 0, samples: 1 });
  });

  it('uses the adapted timeout once enough samples are in', async () => {
    const policy = makePolicy();
    recordMany(policy.tracker, 10, 150);
    mock.timers.tick(200);
    let timeoutMs: number | undefined;
    const result = policy.execute((ctx) => {
      timeoutMs = ctx.timeoutMs;
      return new Promise<never>(() => {});
    });
    assert.equal(timeoutMs, 300);
    mock.timers.tick(300);
    await assert.rejects(result, (error: unknown) => error instanceof AttemptTimeoutError && error.timeoutMs === 300);
  });

  it('escalates after repeated timeouts through the policy', async () => {
    const policy = makePolicy();
    for (let i = 0; i < 3; i++) {
      const result = policy.execute(() => new Promise<never>(() => {}));
      mock.timers.tick(1_000);
      await assert.rejects(result, AttemptTimeoutError);
    }
    let timeoutMs: number | undefined;
    await policy.execute((ctx) => {
      timeoutMs = ctx.timeoutMs;
    });
    assert.equal(timeoutMs, 2_000);
  });

  it('when the deadline is nearer than the timeout, uses no timer of its own: the deadline governs', async () => {
    const policy = makePolicy();
    const deadline = new Deadline(400);
    let context: AttemptContext | undefined;
    const result = policy.execute(
      (ctx) =>
        new Promise<never>((_resolve, reject) => {
          context = ctx;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        }),
      deadline.signal,
    );
    assert.equal(context?.timeoutMs, 400, 'the remaining deadline is passed as the timeout');
    assert.equal(context?.signal, deadline.signal, 'the caller signal itself, not a timed one');
    mock.timers.tick(400);
    await assert.rejects(result, DeadlineExceededError);
    // A deadline is a cancellation, not a timeout of the dependency.
    assert.equal(currentAfterRecompute(policy.tracker).samples, 0);
  });

  it('when the deadline is farther than the timeout, the timeout cuts the attempt first', async () => {
    const policy = makePolicy();
    const deadline = new Deadline(5_000);
    let context: AttemptContext | undefined;
    const result = policy.execute((ctx) => {
      context = ctx;
      return new Promise<never>(() => {});
    }, deadline.signal);
    assert.equal(context?.timeoutMs, 1_000);
    assert.notEqual(context?.signal, deadline.signal);
    mock.timers.tick(1_000);
    await assert.rejects(result, AttemptTimeoutError);
    assert.equal(deadline.signal.aborted, false);
  });

  it('a caller abort during the attempt rejects with its reason and is not a timeout', async () => {
    const policy = makePolicy();
    const controller = new AbortController();
    const result = policy.execute(() => new Promise<never>(() => {}), controller.signal);
    const reason = new Error('client left');
    controller.abort(reason);
    await assert.rejects(result, (error: unknown) => error === reason);
    assert.equal(currentAfterRecompute(policy.tracker).samples, 0);
  });

  it('rethrows the attempt’s own failure, not counting it as a timeout, and clears its timer', async () => {
    const policy = makePolicy();
    await assert.rejects(
      policy.execute(() => Promise.reject(new Error('503'))),
      /503/,
    );
    await assert.rejects(
      policy.execute(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
    mock.timers.tick(5_000);
    assert.equal(currentAfterRecompute(policy.tracker).samples, 0);
  });
});

describe('AdaptiveTimeout', () => {
  it('keeps one policy per key and shares an overflow key beyond 64', () => {
    const timeouts = new AdaptiveTimeout(options);
    const a = timeouts.forKey('a');
    assert.equal(timeouts.forKey('a'), a);
    assert.equal(a.key, 'a');
    assert.notEqual(timeouts.forKey('b'), a);
    for (let i = 0; i < 100; i++) timeouts.forKey(`model-${i}`);
    const overflow = timeouts.forKey('one-more');
    assert.equal(overflow.key, OVERFLOW_KEY);
    assert.equal(timeouts.forKey('and-another'), overflow);
    assert.equal(timeouts.entries().length, 65, '64 own keys and the shared overflow');
    assert.equal(timeouts.forKey('a'), a, 'existing keys keep their own policy');
  });
});
