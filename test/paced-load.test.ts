/**
 * The bench's paced open-loop generator (bench/paced-load.ts), on a fake clock: requests go out
 * exactly when due, whatever the earlier ones are doing, and a stalled server is charged for
 * every request that waited behind the stall — the coordinated-omission correction that makes a
 * tail latency honest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPaced, type PacedClock } from '../bench/paced-load.ts';

/** A fake clock and a one-at-a-time server with a fixed service time, which may stall. */
function fakeWorld(serviceMs: number, stall?: { from: number; to: number }) {
  let now = 0;
  let busyUntil = 0;
  const pending: Array<{ at: number; resolve: (status: number) => void }> = [];
  const sentAt: number[] = [];
  const settleDue = () => {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && pending[0]!.at <= now) pending.shift()!.resolve(200);
  };
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const clock: PacedClock = {
    now: () => now,
    wait: (ms) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
  };
  /** Time moves in 1 ms steps (only here), so answers and timers fire at their own instants. */
  const tick = async () => {
    now += 1;
    settleDue();
    for (const timer of timers.filter((candidate) => candidate.at <= now)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.resolve();
    }
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
  };
  const send = () => {
    sentAt.push(now);
    // Served in arrival order, one at a time; nothing is served during the stall.
    let begin = Math.max(now, busyUntil);
    if (stall && begin >= stall.from && begin < stall.to) begin = stall.to;
    busyUntil = begin + serviceMs;
    return new Promise<number>((resolve) => pending.push({ at: busyUntil, resolve }));
  };
  /** Runs time forward until the generator is done. */
  const drain = async (run: Promise<unknown>) => {
    let done = false;
    void run.then(() => (done = true));
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    while (!done) await tick();
  };
  return { clock, send, sentAt, drain };
}

describe('paced open-loop load', () => {
  it('sends each request when due, evenly, and times it from then', async () => {
    const world = fakeWorld(2);
    const running = runPaced({ ratePerSecond: 100, durationSeconds: 1, clock: world.clock }, world.send);
    await world.drain(running);
    const run = await running;
    assert.equal(world.sentAt.length, 100);
    assert.deepEqual(world.sentAt, Array.from({ length: 100 }, (_, index) => index * 10), 'one every 10 ms, on time');
    assert.deepEqual([...new Set(run.latencies)], [2], 'an idle server answers in its service time');
    assert.deepEqual(run.statuses, { 200: 100 });
  });

  it('charges a stall to every request due during it, not just the one that met it', async () => {
    const world = fakeWorld(2, { from: 200, to: 500 });
    const running = runPaced({ ratePerSecond: 100, durationSeconds: 1, clock: world.clock }, world.send);
    await world.drain(running);
    const run = await running;
    // Requests keep going out on schedule through the stall (open loop)…
    assert.deepEqual(world.sentAt.slice(20, 50), Array.from({ length: 30 }, (_, index) => 200 + index * 10));
    // …and each is timed from its due time: the ~30 due during the 300 ms stall all show it.
    const slow = run.latencies.filter((latency) => latency > 50).length;
    assert.ok(slow >= 25, `${slow} requests slower than 50 ms`);
    assert.ok(Math.max(...run.latencies) >= 295, `the first one waited the whole stall (${Math.max(...run.latencies)} ms)`);
  });

  it('drops (and counts) a due request when too many are still open', async () => {
    const world = fakeWorld(1_000);
    const running = runPaced({ ratePerSecond: 100, durationSeconds: 0.5, maxInFlight: 10, clock: world.clock }, world.send);
    await world.drain(running);
    const run = await running;
    assert.equal(run.dropped, 40);
    assert.equal(world.sentAt.length, 10);
  });
});
