/**
 * Two Levee replicas on one external Postgres (`npm run db` accepting several connections) share
 * one batch: its chunks are jobs of the shared queue, so both replicas' workers run lines of it
 * (each replica's own levee_batch_lines_total shows its part), and no custom_id runs twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { startStandalonePostgres, type StandalonePostgres } from './support/standalone-postgres.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { waitFor } from './support/wait-for.ts';

const LINES = 1_000;
const POOL_PER_REPLICA = 4;

/** Lines this replica completed, from its own metrics. */
const linesCompleted = (levee: LeveeProcess) => scrapeMetric(levee.url, 'levee_batch_lines_total', { endpoint: '/v1/chat/completions', result: 'completed' });

describe('Batch API: two replicas share one batch', { timeout: 120_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'levee-replicas-'));
  let postgres: StandalonePostgres;
  let simulator: SimulatorHandle;
  const replicas: LeveeProcess[] = [];
  before(async () => {
    postgres = await startStandalonePostgres(join(scratch, 'postgres-data'), { maxConnections: 2 * POOL_PER_REPLICA });
    simulator = await startSimulator({ seed: 11 });
    // Slow enough that the batch outlasts a worker's poll: both replicas find chunks waiting.
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 40 } } }]);
    const env = { ...FAST_POLICIES, LLM_TIMEOUT_FLOOR_MS: '5000', LLM_BASE_URL: simulator.url, DATABASE_URL: postgres.url, POSTGRES_POOL_MAX: String(POOL_PER_REPLICA), JOB_POLL_INTERVAL_MS: '500' };
    // One after the other: the first applies the migrations.
    for (let index = 0; index < 2; index++) replicas.push(await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env }));
  });
  after(async () => {
    for (const replica of replicas) await replica.stop();
    await simulator?.close();
    await postgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs one batch's chunks on both replicas, each custom_id once", async (t) => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${replicas[0]!.url}/v1`, maxRetries: 2 });
    const input = Array.from({ length: LINES }, (_, index) =>
      JSON.stringify({ custom_id: `r-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `n ${index}` }] } }),
    ).join('\n');
    const file = await client.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const done = await waitFor(async () => {
      const current = await client.batches.retrieve(batch.id);
      return current.status === 'completed' ? current : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250, what: () => 'the batch to complete' });

    assert.deepEqual(done.request_counts, { total: LINES, completed: LINES, failed: 0 });
    const output = (await (await client.files.content(done.output_file_id!)).text()).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { custom_id: string }).custom_id);
    assert.equal(output.length, LINES);
    assert.equal(new Set(output).size, LINES, 'every custom_id exactly once');
    const parts = await Promise.all(replicas.map(linesCompleted));
    t.diagnostic(`lines per replica: ${parts.join(' + ')}; provider calls: ${simulator.stats().by_route.chat}`);
    assert.ok(parts.every((part) => part > 0), `both replicas ran lines: ${parts.join(' + ')}`);
    assert.equal(parts[0]! + parts[1]!, LINES, 'no line ran on both');
  });
});
