import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { flush } from '../../../resilience/testing/flush.ts';
import { createMetrics } from '../../../telemetry/metrics.ts';
import type { Deployment } from './deployment.ts';
import { HedgedAttempt, type HedgeBudget } from './hedged-attempt.ts';

const deployment = (name: string, p95Ms: number) => ({ key: name, p95Ms: () => p95Ms }) as unknown as Deployment;

/** An attempt per deployment that settles when the test says so, and records its abort. */
function controllable() {
  const pending = new Map<Deployment, { resolve: (value: string) => void; reject: (error: unknown) => void; signal: AbortSignal }>();
  const attempt = (target: Deployment, signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      pending.set(target, { resolve, reject, signal });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { pending, attempt };
}

const budget = (allow: boolean): HedgeBudget => ({ recordCall: () => {}, tryAcquireRetry: () => allow });

describe('HedgedAttempt', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  const setUp = (options: { p95Ms: number; allow?: boolean; second?: Deployment | undefined }) => {
    const metrics = createMetrics();
    const first = deployment('first', options.p95Ms);
    const second = 'second' in options ? options.second : deployment('second', 100);
    const hedged = new HedgedAttempt({ operation: 'embeddings', model: 'm', metrics, budget: budget(options.allow ?? true), floorMs: 50, nextBest: () => second });
    const count = async (event: string) => (await metrics.hedges.get()).values.find((value) => value.labels.event === event)?.value ?? 0;
    return { first, second, hedged, count };
  };

  it('sends one hedge after the live P95, takes the first good answer and aborts the other', async () => {
    const { first, second, hedged, count } = setUp({ p95Ms: 120 });
    const { pending, attempt } = controllable();
    const outcome = hedged.run(first, new AbortController().signal, attempt);
    await flush();
    mock.timers.tick(119);
    await flush();
    assert.equal(pending.size, 1, 'no hedge before the P95');
    mock.timers.tick(1);
    await flush();
    assert.equal(pending.size, 2);
    pending.get(second!)!.resolve('from second');
    const result = await outcome;
    assert.deepEqual(result.ok && [result.value, result.deployment], ['from second', second]);
    assert.equal(pending.get(first)!.signal.aborted, true, 'the slower attempt is aborted at once');
    assert.deepEqual([await count('sent'), await count('won'), await count('cancelled')], [1, 1, 1]);
  });

  it('never hedges before the floor, nor without a live P95', async () => {
    const { first, hedged } = setUp({ p95Ms: 10 });
    const { pending, attempt } = controllable();
    const outcome = hedged.run(first, new AbortController().signal, attempt);
    mock.timers.tick(49);
    await flush();
    assert.equal(pending.size, 1);
    mock.timers.tick(1);
    await flush();
    assert.equal(pending.size, 2, 'hedged at the 50 ms floor');
    pending.get(first)!.resolve('first');
    assert.equal((await outcome).ok, true);

    const unknown = setUp({ p95Ms: 0 });
    const calls = controllable();
    const unhedged = unknown.hedged.run(unknown.first, new AbortController().signal, calls.attempt);
    mock.timers.tick(10_000);
    await flush();
    assert.equal(calls.pending.size, 1);
    calls.pending.get(unknown.first)!.resolve('first');
    await unhedged;
  });

  it('sends no hedge over budget, and counts it', async () => {
    const { first, hedged, count } = setUp({ p95Ms: 100, allow: false });
    const { pending, attempt } = controllable();
    const outcome = hedged.run(first, new AbortController().signal, attempt);
    mock.timers.tick(100);
    await flush();
    assert.equal(pending.size, 1);
    assert.equal(await count('budget_exhausted'), 1);
    pending.get(first)!.resolve('first');
    await outcome;
  });

  it('reports both failures when the first attempt and the hedge fail', async () => {
    const { first, second, hedged } = setUp({ p95Ms: 100 });
    const { pending, attempt } = controllable();
    const outcome = hedged.run(first, new AbortController().signal, attempt);
    mock.timers.tick(100);
    await flush();
    pending.get(first)!.reject(new Error('one'));
    pending.get(second!)!.reject(new Error('two'));
    const result = await outcome;
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.failures.map((failure) => [failure.deployment, (failure.error as Error).message]), [
      [first, 'one'],
      [second, 'two'],
    ]);
  });
});
