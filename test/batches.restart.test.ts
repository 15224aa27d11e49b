/**
 * A batch survives its worker being killed: SIGKILL a Levee in the middle of a batch, start it
 * again on the same DATA_DIR (which holds unfinished jobs, so the queue starts at boot), and the
 * batch finishes with every custom_id exactly once in the output; the provider was called again
 * only for the lines in flight at the kill (calling it, or storing its answer).
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
import { waitFor } from './support/wait-for.ts';

const LINES = 400;
/**
 * Lines one process runs at once: JOB_CONCURRENCY (4) chunks of 8 lines each (composition/create-batches.ts).
 * In flight at a kill: those calling the provider, and those whose answers were being stored (at most
 * as many again): only these run twice.
 */
const LINES_IN_FLIGHT = 4 * 8;

describe('Batch API: a worker killed mid-batch', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'levee-batch-restart-'));
  let simulator: SimulatorHandle;
  let levee: LeveeProcess | undefined;
  // Timeouts far above the 60 ms answers: a call reaches the provider twice only because of the kill.
  const start = () =>
    spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...FAST_POLICIES, LLM_TIMEOUT_FLOOR_MS: '5000', LLM_BASE_URL: simulator.url, DATA_DIR: dataDir, JOB_POLL_INTERVAL_MS: '500' }, startTimeoutMs: 30_000 });
  const client = (url: string) => new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 2 });

  before(async () => {
    simulator = await startSimulator({ seed: 3 });
    // Slow enough that the kill lands mid-batch.
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 60 } } }]);
  });
  after(async () => {
    await levee?.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes after a restart, each custom_id once, calling again only what was in flight', async (t) => {
    levee = await start();
    const first = client(levee.url);
    const input = Array.from({ length: LINES }, (_, index) =>
      JSON.stringify({ custom_id: `line-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `n ${index}` }] } }),
    ).join('\n');
    const file = await first.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
    const batch = await first.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const doneBefore = await waitFor(async () => {
      const completed = (await first.batches.retrieve(batch.id)).request_counts?.completed ?? 0;
      return completed >= 60 ? completed : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: () => 'a part of the batch to finish' });

    levee.child.kill('SIGKILL');
    await levee.exited;
    const callsBeforeRestart = simulator.stats().by_route.chat;

    levee = await start();
    const second = client(levee.url);
    const finished = await waitFor(async () => {
      const current = await second.batches.retrieve(batch.id);
      return current.status === 'completed' ? current : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: () => 'the batch to finish after the restart' });

    assert.deepEqual(finished.request_counts, { total: LINES, completed: LINES, failed: 0 });
    const output = (await (await second.files.content(finished.output_file_id!)).text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { custom_id: string });
    assert.equal(output.length, LINES);
    assert.equal(new Set(output.map((line) => line.custom_id)).size, LINES, 'every custom_id exactly once');
    const calls = simulator.stats().by_route.chat;
    t.diagnostic(`${doneBefore}+ of ${LINES} lines done before the kill (${callsBeforeRestart} provider calls by then); ${calls} calls in all: ${calls - LINES} lines ran twice`);
    assert.ok(calls <= LINES + 2 * LINES_IN_FLIGHT, `${calls} provider calls for ${LINES} lines (${doneBefore}+ done before the kill, ${callsBeforeRestart} calls by then)`);
  });
});
