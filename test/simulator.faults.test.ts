/**
 * The simulator's faults as a client meets them: error answers, fixed and stepped latency, hangs,
 * connection resets, targeting by route and model, counts, probabilities replayed from the seed,
 * the per-request X-Sim-Fault header, and the latency distributions' shapes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { FaultRuleView } from '../simulator/faults.ts';
import { SeededRandom } from '../simulator/random.ts';
import { startSimulator } from '../simulator/server.ts';
import { call, chat, chatBody, rawPost, sim, stats, useSharedSimulator } from './support/simulator-client.ts';
import { waitFor } from './support/wait-for.ts';

useSharedSimulator();

describe('faults', () => {
  it('answers an error fault with its status, OpenAI body and Retry-After', async () => {
    sim.addFault({ route: 'chat', fault: { type: 'error', status: 429, retryAfterS: 1.5 } });
    const { status, headers, json } = await chat();
    assert.equal(status, 429);
    assert.equal(headers.get('retry-after'), '2');
    assert.equal(headers.get('retry-after-ms'), '1500');
    assert.equal(json.error.code, 'rate_limit_exceeded');
    assert.equal(typeof json.error.message, 'string');
    assert.equal((await call('/v1/models')).status, 200, 'route targeting leaves other routes alone');
    sim.setFaults([{ fault: { type: 'error', status: 503, message: 'down for a bit' } }]);
    const custom = await chat();
    assert.equal(custom.status, 503);
    assert.equal(custom.json.error.message, 'down for a bit');
    assert.equal(custom.json.error.type, 'server_error');
    assert.deepEqual(stats().by_outcome, { ok: 1, error: 2, hang: 0, reset: 0, stall: 0, aborted: 0 });
  });

  it('delays by a fixed latency, and answers an error after the latency when both match', async () => {
    const latencyId = sim.addFault({ fault: { type: 'latency', distribution: { kind: 'fixed', ms: 150 } } });
    let startedAt = performance.now();
    assert.equal((await chat()).status, 200);
    const elapsed = performance.now() - startedAt;
    assert.ok(elapsed >= 145 && elapsed < 1_000, `fixed latency of 150 ms took ${elapsed} ms`);
    const errorId = sim.addFault({ fault: { type: 'error', status: 502 } });
    startedAt = performance.now();
    const combined = await chat();
    assert.equal(combined.status, 502);
    assert.ok(performance.now() - startedAt >= 145, 'the error came after the latency');
    assert.equal(combined.headers.get('x-sim-faults'), `${latencyId},${errorId}`);
  });

  it('steps latency up at atMs after the rule was installed', async () => {
    sim.addFault({ fault: { type: 'latency', distribution: { kind: 'step', beforeMs: 0, afterMs: 150, atMs: 100 } } });
    // The in-process simulator took its install time on this clock, before this line.
    const stepAt = performance.now() + 100;
    let startedAt = performance.now();
    await call('/v1/models');
    assert.ok(performance.now() - startedAt < 100, 'fast before the step');
    // The step's time is the subject: nothing shows it has passed but a slow answer, which is
    // what is asserted, so wait out the time itself.
    await delay(Math.max(0, stepAt + 1 - performance.now()));
    startedAt = performance.now();
    await call('/v1/models');
    assert.ok(performance.now() - startedAt >= 145, 'slow after the step');
  });

  it('hangs until the client gives up, counting the request and freeing it', async () => {
    sim.addFault({ fault: { type: 'hang' } });
    const startedAt = performance.now();
    const result = await fetch(`${sim.url}/models`, { signal: AbortSignal.timeout(150) }).catch((error: Error) => error);
    assert.ok(result instanceof Error, 'the request never got an answer');
    assert.equal(result.name, 'TimeoutError');
    assert.ok(performance.now() - startedAt >= 140);
    await waitFor(() => stats().in_flight.current === 0, { timeoutMs: 2_000, what: 'the hung request to close' });
    const snapshot = stats();
    assert.equal(snapshot.total, 1);
    assert.equal(snapshot.by_outcome.hang, 1);
    assert.deepEqual(snapshot.by_status, {}, 'nothing was answered');
  });

  it('resets the connection so the client sees ECONNRESET', async () => {
    sim.addFault({ fault: { type: 'reset' } });
    const { error, status } = await rawPost(`${sim.url}/chat/completions`, chatBody());
    assert.equal(status, undefined);
    assert.equal(error?.code, 'ECONNRESET');
    await waitFor(() => stats().by_outcome.reset === 1, { timeoutMs: 2_000, what: 'the reset to be counted' });
  });

  it('targets a model, expires after count, and lets the first rule of each kind win', async () => {
    sim.setFaults([
      { id: 'gpt4o-down', model: 'gpt-4o', count: 2, fault: { type: 'error', status: 500 } },
      { id: 'spare', route: 'chat', count: 1, fault: { type: 'error', status: 503 } },
    ]);
    assert.equal((await chat({ model: 'gpt-4o' })).status, 500);
    const listed = await call<{ rules: FaultRuleView[] }>('/_sim/faults');
    assert.deepEqual(listed.json.rules.map((rule) => [rule.id, rule.remaining]), [['gpt4o-down', 1], ['spare', 1]], 'the second error rule was not spent');
    assert.equal((await chat({ model: 'gpt-4o' })).status, 500);
    assert.deepEqual(sim.faults().map((rule) => rule.id), ['spare'], 'the expired rule is gone');
    assert.equal((await chat({ model: 'gpt-4o-mini' })).status, 503);
    assert.equal((await chat({ model: 'gpt-4o' })).status, 200);
    assert.deepEqual(stats().by_model, { 'gpt-4o': 3, 'gpt-4o-mini': 1 });
  });

  it('replays the same outcomes for probability 0.5 after /_sim/reset, and others for another seed', async () => {
    const rule = { probability: 0.5, fault: { type: 'error', status: 503 } };
    const run = async (base = sim.origin): Promise<number[]> => {
      assert.equal((await call('/_sim/reset', { method: 'POST', base })).status, 200);
      assert.equal((await call('/_sim/faults', { body: rule, base })).status, 201);
      const statuses: number[] = [];
      for (let index = 0; index < 24; index += 1) statuses.push((await call('/v1/models', { base })).status);
      return statuses;
    };
    const first = await run();
    assert.ok(first.includes(200) && first.includes(503), `both outcomes: ${first.join(',')}`);
    assert.deepEqual(await run(), first);
    const other = await startSimulator({ seed: 1234 });
    try {
      assert.notDeepEqual(await run(other.origin), first);
    } finally {
      await other.close();
    }
  });

  it('applies an X-Sim-Fault header rule to that request only, and rejects a bad one', async () => {
    const header = { 'x-sim-fault': JSON.stringify({ fault: { type: 'error', status: 504 } }) };
    assert.equal((await chat({}, header)).status, 504);
    assert.equal((await chat()).status, 200);
    const notJson = await chat({}, { 'x-sim-fault': '{nope' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error.param, 'x-sim-fault');
    const badRule = await chat({}, { 'x-sim-fault': JSON.stringify({ fault: { type: 'error', status: 418 } }) });
    assert.equal(badRule.status, 400);
    assert.equal(badRule.json.error.param, 'x-sim-fault.fault.status');
  });
});

describe('distributions', () => {
  it('fits the long tail to its median and p99, and the normal to its mean', () => {
    const random = new SeededRandom(42);
    const samples = Array.from({ length: 20_000 }, () => random.longTail(100, 1_000)).sort((a, b) => a - b);
    const median = samples[10_000] ?? 0;
    const p99 = samples[19_800] ?? 0;
    assert.ok(median > 93 && median < 107, `median ${median}`);
    assert.ok(p99 > 850 && p99 < 1_150, `p99 ${p99}`);
    const normals = Array.from({ length: 20_000 }, () => random.normal(50, 10));
    const mean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    assert.ok(Math.abs(mean - 50) < 0.5, `mean ${mean}`);
  });
});
