/**
 * An import survives its worker being killed: SIGKILL a Levee once some but not all of an
 * import's chunks are written, start it again on the same DATA_DIR (which holds unfinished jobs,
 * so the queue starts at boot), and the import completes with every document, the chunks written
 * before the kill not embedded again (only those in flight then).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { ended, IMPORT_DIMENSION, importDocument, ImportClient, jsonl } from './support/import-client.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './support/levee-with-simulator.ts';

const DOCUMENTS = 2_000;
/** Composition/create-imports.ts: documents per chunk, chunks in flight at once. */
const CHUNK = 100;
const CHUNKS_IN_FLIGHT = 2;
/** LLM_EMBEDDING_BATCH_SIZE's default: a chunk is this many embeddings calls. */
const TEXTS_PER_CALL = 20;

describe('Document imports: a worker killed mid-import', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'levee-import-restart-'));
  let simulator: SimulatorHandle;
  let levee: LeveeProcess | undefined;
  // Attempt timeouts far above the answers: a text reaches the provider twice only because of the kill.
  const start = () =>
    spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...FAST_POLICIES, LLM_TIMEOUT_FLOOR_MS: '5000', LLM_BASE_URL: simulator.url, DATA_DIR: dataDir, JOB_POLL_INTERVAL_MS: '500' }, startTimeoutMs: 30_000 });

  before(async () => {
    simulator = await startSimulator({ seed: 5, embeddingDimension: IMPORT_DIMENSION });
    // Slow enough that the kill lands mid-import (a chunk is five calls, three at a time).
    simulator.setFaults([{ route: 'embeddings', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 150 } } }]);
  });
  after(async () => {
    await levee?.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes after a restart, writing again only the chunks in flight at the kill', async (t) => {
    levee = await start();
    const first = new ImportClient(levee.url);
    await first.createCollection('restart');
    const documents = Array.from({ length: DOCUMENTS }, (_, index) => importDocument(index));
    const created = await first.startImport('restart', await first.upload(jsonl(documents)));
    const before = await first.waitImport('restart', created.id, (current) => current.request_counts.completed >= 3 * CHUNK, 30_000);
    levee.child.kill('SIGKILL');
    await levee.exited;
    const callsBeforeRestart = simulator.stats().by_route.embeddings;
    assert.ok(before.request_counts.completed < DOCUMENTS, `killed mid-import (${before.request_counts.completed} written)`);

    const restartedAt = performance.now();
    levee = await start();
    const second = new ImportClient(levee.url);
    const done = await second.waitImport('restart', created.id, ended, 60_000);
    t.diagnostic(`${before.request_counts.completed}+ of ${DOCUMENTS} documents written before the kill; completed ${Math.round(performance.now() - restartedAt)} ms after the restart`);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.request_counts, { total: DOCUMENTS, completed: DOCUMENTS, failed: 0 });
    assert.equal((await second.ok('GET', '/v1/collections/restart')).document_count, DOCUMENTS);
    for (const index of [0, DOCUMENTS - 1]) assert.equal(await second.topHit('restart', documents[index]!.text), documents[index]!.id);

    // Every chunk is embedded once, plus those in flight at the kill (embedding, or being written).
    const calls = simulator.stats().by_route.embeddings;
    const callsPerChunk = CHUNK / TEXTS_PER_CALL;
    t.diagnostic(`${calls} embeddings calls for ${DOCUMENTS / CHUNK} chunks of ${callsPerChunk} calls (${callsBeforeRestart} before the kill)`);
    assert.ok(calls <= (DOCUMENTS / CHUNK + 2 * CHUNKS_IN_FLIGHT) * callsPerChunk + 3, `${calls} embeddings calls`);
  });
});
