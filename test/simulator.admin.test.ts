/**
 * The simulator's own bookkeeping: the counters tests rely on (in_flight.max), the request log
 * with credentials redacted, the /_sim admin API for fault rules, and close() with requests
 * still hanging.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidFaultRuleError } from '../simulator/fault-rules.ts';
import type { FaultRuleView } from '../simulator/faults.ts';
import type { RequestLogEntry } from '../simulator/request-log.ts';
import { startSimulator } from '../simulator/server.ts';
import type { StatsSnapshot } from '../simulator/stats.ts';
import { call, chat, chatBody, sim, stats, useSharedSimulator, type ErrorBody } from './support/simulator-client.ts';
import { waitFor } from './support/wait-for.ts';

useSharedSimulator();

describe('counters, log and admin API', () => {
  it('tracks the high-water mark of concurrent requests', async () => {
    sim.addFault({ fault: { type: 'latency', distribution: { kind: 'fixed', ms: 100 } } });
    await Promise.all(Array.from({ length: 5 }, () => call('/v1/models')));
    await waitFor(() => stats().in_flight.current === 0, { timeoutMs: 2_000, what: 'requests to close' });
    assert.deepEqual(stats().in_flight, { current: 0, max: 5 });
    assert.equal((await call('/_sim/stats/reset', { method: 'POST' })).status, 200);
    for (let index = 0; index < 3; index += 1) await call('/v1/models');
    const snapshot = (await call<StatsSnapshot>('/_sim/stats')).json;
    assert.equal(snapshot.in_flight.max, 1);
    assert.equal(snapshot.total, 3);
    assert.deepEqual(snapshot.by_route, { chat: 0, embeddings: 0, models: 3 });
    assert.deepEqual(snapshot.by_status, { '200': 3 });
  });

  it('logs recent /v1 requests with credentials redacted, keeping the last 200', async () => {
    await chat({ stream: false }, { authorization: 'Bearer sk-very-secret', 'x-trace': 'abc' });
    const [entry] = (await call<{ requests: RequestLogEntry[] }>('/_sim/requests')).json.requests;
    assert.equal(entry?.method, 'POST');
    assert.equal(entry?.path, '/v1/chat/completions');
    assert.equal(entry?.route, 'chat');
    assert.equal(entry?.model, 'gpt-4o');
    assert.equal(entry?.stream, false);
    assert.equal(entry?.headers.authorization, '[redacted]');
    assert.equal(entry?.headers['x-trace'], 'abc');
    assert.deepEqual(entry?.body, chatBody({ stream: false }));
    assert.ok(Date.now() - Date.parse(entry?.at ?? '') < 10_000);
    assert.ok(!JSON.stringify(sim.requests()).includes('sk-very-secret'));
    for (let index = 0; index < 205; index += 1) await call(`/v1/models?n=${index}`);
    const requests = sim.requests();
    assert.equal(requests.length, 200);
    assert.equal(requests.at(-1)?.path, '/v1/models?n=204');
    assert.equal(requests[0]?.path, '/v1/models?n=5');
  });

  it('installs, lists, replaces and removes rules, naming the field of a bad one', async () => {
    const added = await call<{ id: string }>('/_sim/faults', { body: { id: 'slow', fault: { type: 'latency', distribution: { kind: 'normal', meanMs: 1, stdDevMs: 1 } } } });
    assert.equal(added.status, 201);
    assert.equal(added.json.id, 'slow');
    assert.equal((await call<ErrorBody>('/_sim/faults', { body: { id: 'slow', fault: { type: 'hang' } } })).status, 400, 'duplicate id');
    const replaced = await call<{ ids: string[]; rules: FaultRuleView[] }>('/_sim/faults', {
      method: 'PUT',
      body: { rules: [{ fault: { type: 'reset' } }, { route: 'embeddings', count: 3, fault: { type: 'error', status: 500 } }] },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.json.ids.length, 2);
    assert.deepEqual(replaced.json.rules.map((rule) => [rule.route, rule.probability, rule.remaining]), [['*', 1, null], ['embeddings', 1, 3]]);
    const bad = await call<ErrorBody>('/_sim/faults', {
      method: 'PUT',
      body: { rules: [{ fault: { type: 'hang' } }, { fault: { type: 'latency', distribution: { kind: 'fixed', ms: -1 } } }] },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'rules.1.fault.distribution.ms');
    assert.match(bad.json.error.message, /rules\.1\.fault\.distribution\.ms/);
    assert.equal(sim.faults().length, 2, 'a rejected replacement leaves the rules alone');
    const typo = await call<ErrorBody>('/_sim/faults', { body: { probabilty: 0.5, fault: { type: 'hang' } } });
    assert.equal(typo.status, 400, 'unknown fields are rejected');
    const removed = await call('/_sim/faults/' + (replaced.json.ids[0] ?? ''), { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal((await call('/_sim/faults/nope', { method: 'DELETE' })).status, 404);
    assert.deepEqual(await call('/_sim/faults', { method: 'DELETE' }).then((answer) => answer.json), { removed: 1 });
    assert.deepEqual(sim.faults(), []);
    assert.throws(() => sim.addFault({ fault: { type: 'error', status: 418 as 500 } }), InvalidFaultRuleError);
    assert.equal((await call('/_sim/faults', { raw: '{' })).status, 400);
    assert.equal((await call('/_sim/nope')).status, 404);
    assert.equal(stats().total, 0, 'admin requests are not counted');
  });

  it('close() ends hanging requests instead of waiting for them', async () => {
    const doomed = await startSimulator();
    doomed.addFault({ fault: { type: 'hang' } });
    const hanging = fetch(`${doomed.url}/models`).catch((error: Error) => error);
    await waitFor(() => doomed.stats().by_outcome.hang === 1, { timeoutMs: 2_000, what: 'the request to hang' });
    const startedAt = performance.now();
    await doomed.close();
    assert.ok(performance.now() - startedAt < 500);
    assert.ok((await hanging) instanceof Error);
  });
});
