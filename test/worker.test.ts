/**
 * `npm run worker`: a Levee that only runs background jobs. It refuses to start without
 * DATABASE_URL (the embedded store belongs to one process); with one it serves health, metrics
 * and /health/jobs but no API, and finishes a batch an API process queued in the same Postgres
 * while running no worker of its own (JOB_CONCURRENCY=0). The test's Postgres server takes one
 * connection, so the two processes use it in turn.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { spawnLevee, spawnProcess } from './support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { startStandalonePostgres, type StandalonePostgres } from './support/standalone-postgres.ts';
import { waitFor } from './support/wait-for.ts';

const WORKER_ENTRY = ['--import', './service/telemetry/preload.ts', 'service/worker.ts'];

describe('npm run worker', { timeout: 120_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'levee-worker-'));
  let postgres: StandalonePostgres;
  let simulator: SimulatorHandle;
  before(async () => {
    postgres = await startStandalonePostgres(join(scratch, 'postgres-data'));
    simulator = await startSimulator({ seed: 5 });
  });
  after(async () => {
    await simulator?.close();
    await postgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses to start without DATABASE_URL, saying why, with exit code 1', async () => {
    const child = spawnProcess({ command: { file: process.execPath, args: WORKER_ENTRY }, env: { LLM_BASE_URL: simulator.url } });
    const { code } = await child.exited;
    assert.equal(code, 1);
    assert.match(child.stderr.join('\n'), /needs DATABASE_URL/);
  });

  it('finishes a batch an API process queued, serving no API itself', async () => {
    const env = { ...FAST_POLICIES, LLM_BASE_URL: simulator.url, DATABASE_URL: postgres.url, JOB_POLL_INTERVAL_MS: '500' };
    const api = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...env, JOB_CONCURRENCY: '0' } });
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${api.url}/v1`, maxRetries: 0 });
    const input = Array.from({ length: 20 }, (_, index) =>
      JSON.stringify({ custom_id: `w-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `n ${index}` }] } }),
    ).join('\n');
    const file = await client.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    assert.equal((await client.batches.retrieve(batch.id)).status, 'validating', 'no worker in the API process');
    await api.stop();

    const worker = await spawnLevee({ command: { file: process.execPath, args: WORKER_ENTRY }, env });
    try {
      assert.equal((await fetch(`${worker.url}/v1/models`)).status, 404, 'a worker serves no API');
      assert.equal((await fetch(`${worker.url}/health/live`)).status, 200);
      await waitFor(async () => {
        const jobs = (await (await fetch(`${worker.url}/health/jobs`)).json()) as { status: string; queues: Array<{ queued: number; active: number }> };
        const drained = jobs.queues.length > 0 && jobs.queues.every((queue) => queue.queued === 0 && queue.active === 0);
        return jobs.status === 'ok' && drained && simulator.stats().by_route.chat >= 20 ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 250, what: () => 'the worker to drain the queue' });
      // At least one call a line: an attempt cut by its (short, test) timeout is retried like any call.
      assert.ok(simulator.stats().by_route.chat >= 20, 'every line reached the provider');
    } finally {
      await worker.stop();
    }

    const reopened = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...env, JOB_CONCURRENCY: '0' } });
    try {
      const reader = new OpenAI({ apiKey: 'unused', baseURL: `${reopened.url}/v1`, maxRetries: 0 });
      const done = await reader.batches.retrieve(batch.id);
      assert.equal(done.status, 'completed');
      assert.deepEqual(done.request_counts, { total: 20, completed: 20, failed: 0 });
      const output = (await (await reader.files.content(done.output_file_id!)).text()).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { custom_id: string }).custom_id);
      assert.equal(new Set(output).size, 20, 'each line once in the output');
    } finally {
      await reopened.stop();
    }
  });
});
