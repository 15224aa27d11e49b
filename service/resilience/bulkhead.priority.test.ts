import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bulkhead } from './bulkhead.ts';
import { SaturatedError } from './errors.ts';
import { asBackground } from './priority.ts';
import { flush } from './testing/flush.ts';

const bulkhead = (backgroundShare: number) => new Bulkhead({ dependency: 'dep', maxConcurrent: 4, maxQueued: 4, queueTimeoutMs: 1_000, retryAfterMs: 500, backgroundShare });

/** A call that holds its slot until released. */
function hold(target: Bulkhead, background = false) {
  const gate = Promise.withResolvers<void>();
  const run = () => target.execute(() => gate.promise);
  const result = background ? asBackground(run) : run();
  return { release: () => gate.resolve(), result };
}

const yielded = (error: unknown) => error instanceof SaturatedError && error.reason === 'background_yield';

describe('Bulkhead priority: interactive calls first', () => {
  it('lets background calls hold at most their share of the slots', async () => {
    const target = bulkhead(0.5);
    const first = hold(target, true);
    const second = hold(target, true);
    await flush();
    assert.equal(target.backgroundActive, 2);
    await assert.rejects(hold(target, true).result, yielded);
    const interactive = [hold(target), hold(target)];
    await flush();
    assert.equal(target.active, 4, 'the other half stays for interactive calls');
    for (const call of [first, second, ...interactive]) call.release();
    await Promise.all([first.result, second.result, ...interactive.map((call) => call.result)]);
    assert.equal(target.backgroundActive, 0);
  });

  it('never queues a background call, and refuses it while an interactive call waits', async () => {
    const target = bulkhead(1);
    const running = [hold(target), hold(target), hold(target), hold(target)];
    await flush();
    await assert.rejects(hold(target, true).result, yielded, 'no slot: refused at once, not queued');
    const waiting = hold(target);
    await flush();
    assert.equal(target.queued, 1);
    running[0]!.release();
    await running[0]!.result;
    await flush();
    assert.equal(target.queued, 0, 'the freed slot went to the waiting interactive call');
    running[1]!.release();
    await running[1]!.result;
    const background = hold(target, true);
    await flush();
    assert.equal(target.backgroundActive, 1, 'with nobody waiting, background work takes a free slot');
    for (const call of [running[2]!, running[3]!, waiting, background]) call.release();
    await Promise.all([running[2]!.result, running[3]!.result, waiting.result, background.result]);
  });
});
