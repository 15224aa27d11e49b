/**
 * Live notifications across replicas: two Levees sharing Redis and one external Postgres
 * (`npm run db` with several connections). The client is connected to replica A, which runs no
 * workers (JOB_CONCURRENCY=0); replica B does the batch's work. A hears of it through Redis
 * pub/sub, and, once Redis is stopped mid-run, by reading the batch from Postgres: the connection
 * stays open and progress keeps arriving to the completion.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { WebSocket } from 'ws';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';
import { startStandalonePostgres, type StandalonePostgres } from './support/standalone-postgres.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { waitFor } from './support/wait-for.ts';

const LINES = 2_000;

/** Batch lines one replica completed, from its own metrics. */
const linesRun = (levee: LeveeProcess) => scrapeMetric(levee.url, 'levee_batch_lines_total', { endpoint: '/v1/chat/completions', result: 'completed' });

describe('live notifications across replicas, with and without Redis', { timeout: 150_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'levee-events-replicas-'));
  let postgres: StandalonePostgres;
  let redis: RedisServer;
  let simulator: SimulatorHandle;
  let api: LeveeProcess;
  let worker: LeveeProcess;
  before(async () => {
    [postgres, redis, simulator] = await Promise.all([startStandalonePostgres(join(scratch, 'postgres'), { maxConnections: 4 }), startRedisServer(), startSimulator({ seed: 13 })]);
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 100 } } }]);
    const env = { ...FAST_POLICIES, LLM_TIMEOUT_FLOOR_MS: '5000', LLM_BASE_URL: simulator.url, DATABASE_URL: postgres.url, REDIS_URL: redis.url, POSTGRES_POOL_MAX: '1', JOB_POLL_INTERVAL_MS: '500', EVENTS_POLL_INTERVAL_MS: '500' };
    api = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...env, JOB_CONCURRENCY: '0' } });
    worker = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env });
  });
  after(async () => {
    for (const stop of [() => api?.stop(), () => worker?.stop(), () => simulator?.close(), () => redis?.stop(), () => postgres?.stop()]) await Promise.resolve(stop()).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("tells a client on replica A of replica B's work, through Redis and then through Postgres alone", async (t) => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${api.url}/v1`, maxRetries: 2 });
    const input = Array.from({ length: LINES }, (_, index) =>
      JSON.stringify({ custom_id: `x-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `n ${index}` }] } }),
    ).join('\n');
    const file = await client.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
    const socket = new WebSocket(`${api.url.replace(/^http/, 'ws')}/v1/events`);
    const updates: Array<{ at: number; batch: OpenAI.Batches.Batch }> = [];
    let closed: number | undefined;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; batch?: OpenAI.Batches.Batch };
      if (message.batch) updates.push({ at: Date.now(), batch: message.batch });
    });
    socket.on('close', (code) => (closed = code));
    await new Promise((resolve) => socket.once('open', resolve));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    socket.send(JSON.stringify({ type: 'subscribe', jobs: [batch.id] }));

    const completedSoFar = () => updates.at(-1)?.batch.request_counts?.completed ?? 0;
    await waitFor(() => completedSoFar() >= 200, { timeoutMs: 60_000, what: () => `progress before stopping Redis (${completedSoFar()})` });
    const beforeStop = updates.length;
    await redis.stop();
    const stoppedAt = Date.now();
    await waitFor(() => updates.at(-1)?.batch.status === 'completed', { timeoutMs: 90_000, what: () => `the completion after Redis stopped (${completedSoFar()} of ${LINES})` });
    const afterStop = updates.filter((update) => update.at > stoppedAt);
    t.diagnostic(`${beforeStop} updates before Redis stopped, ${afterStop.length} after; lines run on A ${await linesRun(api)}, on B ${await linesRun(worker)}`);

    assert.equal(closed, undefined, 'the connection stayed open');
    assert.equal(await linesRun(api), 0, 'replica A ran no line');
    assert.equal(await linesRun(worker), LINES, 'replica B ran them all');
    assert.ok(afterStop.length >= 2, `progress kept arriving without Redis: ${afterStop.map((update) => update.batch.request_counts?.completed).join(', ')}`);
    assert.ok(afterStop.some((update) => update.batch.status === 'in_progress'), 'in-progress updates, not only the end, after Redis stopped');
    const last = updates.at(-1)!.batch;
    assert.deepEqual(last.request_counts, { total: LINES, completed: LINES, failed: 0 });
    assert.match(last.output_file_id ?? '', /^file-/);
    socket.close();
  });
});
