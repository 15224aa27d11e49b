/**
 * `GET /admin/console/state` and the operators' job controls on a real Levee (`npm start`'s entry,
 * embedded Postgres, a simulator upstream): the contract's shape with the token or a console
 * session alike, its routing counts equal to /metrics, a batch created through the official SDK
 * listed with the counts its owner's GET shows, and no owner or key anywhere in it; an operator
 * cancels a client's batch and a client's import, whoever owns them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import packageJson from '../package.json' with { type: 'json' };
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { IMPORT_DIMENSION, importDocument, ImportClient, jsonl } from './support/import-client.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY, startLeveeWithSimulator } from './support/levee-with-simulator.ts';
import { startRedisServer } from './support/redis-server.ts';
import { waitFor } from './support/wait-for.ts';

const ALICE = 'alice-key-0123456789';
const TOKEN = FAST_POLICIES.ADMIN_TOKEN!;
const chatLine = (index: number) => JSON.stringify({ custom_id: `c-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `n ${index}` }] } });

type State = Record<string, any>;

describe('ops console state and operator job controls', { timeout: 120_000 }, () => {
  let simulator: SimulatorHandle;
  let levee: LeveeProcess;
  let alice: OpenAI;
  let session: string;
  before(async () => {
    simulator = await startSimulator({ seed: 5, embeddingDimension: IMPORT_DIMENSION });
    levee = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...FAST_POLICIES, LLM_BASE_URL: simulator.url, API_KEYS: `alice:${ALICE}`, JOB_POLL_INTERVAL_MS: '500' }, startTimeoutMs: 30_000 });
    alice = new OpenAI({ apiKey: ALICE, baseURL: `${levee.url}/v1`, maxRetries: 0 });
    const login = await fetch(`${levee.url}/console/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    session = /^levee_console=([^;]+)/.exec(login.headers.getSetCookie()[0] ?? '')![1]!;
  });
  after(async () => {
    await levee?.stop();
    await simulator?.close();
  });

  const admin = (method: string, path: string, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) => fetch(`${levee.url}${path}`, { method, headers });
  const state = async (headers?: Record<string, string>): Promise<State> => {
    const response = await admin('GET', '/admin/console/state', headers);
    assert.equal(response.status, 200);
    return (await response.json()) as State;
  };
  async function batchOf(lines: number) {
    const file = await alice.files.create({ file: await toFile(Buffer.from(Array.from({ length: lines }, (_, index) => chatLine(index)).join('\n')), 'in.jsonl'), purpose: 'batch' });
    return alice.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  }

  it('answers the contract’s shape, with the token or a session, and lists a batch with its owner’s counts', async () => {
    for (let call = 0; call < 3; call += 1) await alice.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const created = await batchOf(5);
    const batch = await waitFor(async () => {
      const current = await alice.batches.retrieve(created.id);
      return current.status === 'completed' && current;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'the batch to complete' });

    const byToken = await state();
    const bySession = await state({ Cookie: `levee_console=${session}` });
    assert.deepEqual(Object.keys(byToken), ['at', 'replica', 'breakers', 'dependencies', 'routing', 'jobs', 'caches']);
    assert.deepEqual(Object.keys(bySession), Object.keys(byToken));
    assert.ok(Math.abs(Date.parse(byToken.at) - Date.now()) < 10_000);
    assert.deepEqual({ ...byToken.replica, uptime_s: typeof byToken.replica.uptime_s }, { version: packageJson.version, uptime_s: 'number', shared_state: 'off', live_replicas: null });

    assert.deepEqual(Object.keys(byToken.breakers).sort(), ['llm/default', 'postgres']);
    assert.deepEqual(Object.keys(byToken.breakers['llm/default']), ['state', 'failures', 'successes', 'failure_rate', 'opened_at', 'half_open_in_ms', 'shared', 'probe']);
    assert.equal(byToken.breakers['llm/default'].state, 'closed');

    const llm = byToken.dependencies.find((entry: State) => entry.name === 'llm/default');
    assert.deepEqual({ ...llm, timeouts: undefined }, {
      name: 'llm/default', kind: 'llm', provider: 'default', breaker: 'llm/default', bulkhead: { active: 0, queued: 0, capacity: 256 }, timeouts: undefined, rate_limited_for_ms: 0, quota: null,
    });
    assert.deepEqual(Object.keys(llm.timeouts).sort(), ['chat', 'chat_stream', 'embeddings', 'models']);
    const chat = llm.timeouts.chat;
    assert.deepEqual({ floor: chat.floor_ms, ceiling: chat.ceiling_ms }, { floor: 100, ceiling: 120_000 }, 'LLM_TIMEOUT_FLOOR_MS and the default ceiling');
    assert.ok(chat.current_ms >= chat.floor_ms && chat.current_ms <= chat.ceiling_ms);
    const postgres = byToken.dependencies.find((entry: State) => entry.name === 'postgres');
    assert.equal(postgres.kind, 'postgres');
    assert.equal(postgres.breaker, 'postgres');
    assert.ok(!('provider' in postgres));
    assert.ok(postgres.timeouts.batches.ceiling_ms >= postgres.timeouts.batches.floor_ms);
    assert.deepEqual(bySession.dependencies.map((entry: State) => entry.name), byToken.dependencies.map((entry: State) => entry.name));

    // Cumulative counters, as /metrics has them: the 3 chats and the 5 batch lines, among others.
    assert.deepEqual(byToken.routing.models, { _any: { deployments_available: 1 } });
    assert.deepEqual(byToken.routing.routed, await routedFromMetrics(levee.url));
    assert.ok(byToken.routing.routed.reduce((sum: number, entry: State) => sum + entry.count, 0) >= 8);
    assert.deepEqual(byToken.routing.fallbacks, []);
    assert.deepEqual(byToken.routing.hedges, []);

    assert.deepEqual(
      byToken.jobs.find((job: State) => job.id === batch.id),
      { kind: 'batch', id: batch.id, status: 'completed', created_at: batch.created_at, ...batch.request_counts },
    );
    assert.deepEqual(Object.keys(byToken.caches), ['embeddings', 'search', 'chat']);
    for (const cache of Object.values(byToken.caches) as State[]) {
      assert.deepEqual(Object.keys(cache), ['hit_ratio', 'hits', 'misses', 'entries', 'bytes', 'max_bytes', 'tiers']);
      assert.equal(cache.max_bytes, 64 * 1024 * 1024);
      assert.deepEqual(cache.tiers, ['memory']);
    }
    const text = JSON.stringify(byToken);
    assert.doesNotMatch(text, /alice/, 'no owner');
    assert.doesNotMatch(text, /file-[0-9a-f]{8}/, 'no file id');
  });

  it('cancels any client’s batch for an operator: with the token, or a session from Levee’s own origin', async () => {
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 200 } } }]);
    try {
      const created = await batchOf(400);
      await waitFor(async () => (await alice.batches.retrieve(created.id)).status === 'in_progress', { timeoutMs: 30_000, intervalMs: 100, what: 'the batch to start' });
      const path = `/admin/batches/${created.id}/cancel`;
      assert.equal((await admin('POST', path, { Cookie: `levee_console=${session}` })).status, 403, 'a session without Origin');
      const response = await admin('POST', path, { Cookie: `levee_console=${session}`, Origin: levee.url });
      assert.equal(response.status, 200);
      const cancelled = (await response.json()) as OpenAI.Batches.Batch;
      assert.ok(['cancelling', 'finalizing', 'cancelled'].includes(cancelled.status), cancelled.status);
      assert.deepEqual(Object.keys(cancelled), Object.keys(await alice.batches.retrieve(created.id)), 'the object the owner’s GET answers');
      const ended = await waitFor(async () => {
        const current = await alice.batches.retrieve(created.id);
        return current.status === 'cancelled' && current;
      }, { timeoutMs: 30_000, intervalMs: 200, what: 'the batch to be cancelled' });
      assert.ok(ended.request_counts!.completed < 400, `stopped early: ${JSON.stringify(ended.request_counts)}`);
      assert.equal((await admin('POST', path)).status, 400, 'a cancelled batch cannot be cancelled again');
      assert.equal((await admin('POST', '/admin/batches/batch_0000/cancel')).status, 404);
      assert.equal((await admin('POST', path, {})).status, 401);
    } finally {
      simulator.setFaults([]);
    }
  });

  it('cancels any client’s import for an operator, keeping the chunks written', async () => {
    simulator.setFaults([{ route: 'embeddings', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 150 } } }]);
    try {
      const client = new ImportClient(levee.url, ALICE);
      await client.createCollection('console');
      const fileId = await client.upload(jsonl(Array.from({ length: 3_000 }, (_, index) => importDocument(index))));
      const created = await client.startImport('console', fileId);
      await client.waitImport('console', created.id, (current) => current.request_counts.completed > 0);
      const response = await admin('POST', `/admin/imports/${created.id}/cancel`);
      assert.equal(response.status, 200);
      const cancelled = (await response.json()) as Record<string, unknown>;
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(typeof cancelled.cancelled_at, 'number');
      const owners = await client.ok('GET', `/v1/collections/console/imports/${created.id}`);
      assert.deepEqual({ ...cancelled, request_counts: undefined, usage: undefined }, { ...owners, request_counts: undefined, usage: undefined }, 'what the owner’s GET answers');
      // The chunks running at the cancel end and are counted; then nothing more is written.
      const settled = await waitFor(async () => {
        const before = await client.ok('GET', `/v1/collections/console/imports/${created.id}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const after = await client.ok('GET', `/v1/collections/console/imports/${created.id}`);
        return after.request_counts.completed === before.request_counts.completed && after;
      }, { timeoutMs: 20_000, what: 'the import to stop writing' });
      assert.equal(settled.status, 'cancelled');
      assert.ok(settled.request_counts.completed < 3_000, JSON.stringify(settled.request_counts));
      assert.equal((await admin('POST', `/admin/imports/${created.id}/cancel`)).status, 200, 'cancelling a cancelled import answers it again');
      assert.equal((await admin('POST', '/admin/imports/imp_0000/cancel')).status, 404);
      const listed = (await state()).jobs.find((job: State) => job.id === created.id);
      assert.deepEqual(listed, { kind: 'import', id: created.id, status: 'cancelled', created_at: created.created_at, ...settled.request_counts });
    } finally {
      simulator.setFaults([]);
    }
  });
});

describe('ops console state with Redis', { timeout: 60_000 }, () => {
  it('shows the shared state ok with its live replicas, the Redis dependency and tier, then degraded when Redis is gone', async () => {
    const redis = await startRedisServer();
    const stack = await startLeveeWithSimulator({ REDIS_URL: redis.url });
    try {
      const read = async (): Promise<State> => (await (await fetch(`${stack.levee.url}/admin/console/state`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as State;
      const shared = await read();
      assert.deepEqual({ shared: shared.replica.shared_state, live: shared.replica.live_replicas }, { shared: 'ok', live: 1 });
      assert.equal(shared.breakers.redis.state, 'closed');
      const dependency = shared.dependencies.find((entry: State) => entry.name === 'redis');
      assert.deepEqual({ kind: dependency.kind, breaker: dependency.breaker }, { kind: 'redis', breaker: 'redis' });
      assert.deepEqual(shared.caches.search.tiers, ['memory', 'redis']);
      await redis.kill();
      await waitFor(async () => (await read()).replica.shared_state === 'degraded', { timeoutMs: 20_000, intervalMs: 250, what: 'the shared state to degrade' });
    } finally {
      await stack.stop();
      await redis.stop();
    }
  });
});

/** levee_llm_routed_calls_total from /metrics, summed per model and provider, as the state sums it. */
async function routedFromMetrics(url: string): Promise<Array<{ model: string; provider: string; count: number }>> {
  const totals = new Map<string, { model: string; provider: string; count: number }>();
  for (const line of (await (await fetch(`${url}/metrics`)).text()).split('\n')) {
    if (!line.startsWith('levee_llm_routed_calls_total{')) continue;
    const model = /[{,]model="([^"]*)"/.exec(line)![1]!;
    const provider = /[{,]provider="([^"]*)"/.exec(line)![1]!;
    const entry = totals.get(`${model}\0${provider}`) ?? { model, provider, count: 0 };
    entry.count += Number(line.slice(line.lastIndexOf(' ') + 1));
    totals.set(`${model}\0${provider}`, entry);
  }
  return [...totals.values()].sort((a, b) => `${a.model}\0${a.provider}`.localeCompare(`${b.model}\0${b.provider}`));
}
