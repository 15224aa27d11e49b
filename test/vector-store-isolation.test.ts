/**
 * The embedded vector store lives in its own process: while it is stuck in a slow query, Levee
 * keeps answering health probes and chat, and the query is cut at its timeout with 504
 * upstream_timeout. A second Levee on the same DATA_DIR refuses to start, naming the directory;
 * a restarted one finds its collections and documents where it left them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { spawnLevee, spawnProcess, type LeveeProcess } from './support/levee-process.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { waitFor } from './support/wait-for.ts';

describe('embedded vector store isolation', () => {
  let dataDir: string;
  let simulator: SimulatorHandle;
  let levee: LeveeProcess;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'levee-store-'));
    simulator = await startSimulator({ seed: 3 });
    levee = await spawnLevee({
      env: {
        LLM_BASE_URL: simulator.url,
        DATA_DIR: dataDir,
        // One attempt, cut at 1 s: the slow query below must end as a 504, not be retried.
        POSTGRES_TIMEOUT_CEILING_MS: '1000',
        POSTGRES_TIMEOUT_DEFAULT_MS: '1000',
        POSTGRES_RETRY_MAX_ATTEMPTS: '1',
      },
    });
    // The embedded server starts on first use (seconds, once).
    const warm = await fetch(`${levee.url}/test/slow-query?ms=1`);
    assert.equal(warm.status, 200);
  });
  after(async () => {
    await levee.stop();
    await simulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps serving health and chat while the store is stuck, and cuts the query at its timeout', async () => {
    const order: string[] = [];
    const slow = fetch(`${levee.url}/test/slow-query?ms=4000`).then(async (response) => {
      order.push('slow query');
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    });
    // The embedded store runs one call at a time (its bulkhead has one slot): once the slow query
    // holds that slot, the store is busy with it.
    await waitFor(async () => (await scrapeMetric(levee.url, 'levee_bulkhead_active_calls', { dependency: 'postgres' })) === 1, {
      timeoutMs: 2_000,
      what: 'the slow query to hold the vector store',
    });
    const live = await fetch(`${levee.url}/health/live`);
    order.push('live');
    const chat = await fetch(`${levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    order.push('chat');
    assert.equal(live.status, 200);
    assert.equal(chat.status, 200);

    const { status, body } = await slow;
    assert.equal(status, 504);
    assert.equal(body.error.code, 'upstream_timeout');
    assert.deepEqual(order, ['live', 'chat', 'slow query'], 'health and chat answered while the store was busy');
  });

  it('refuses a second Levee on the same DATA_DIR with a message naming it', async () => {
    const second = spawnProcess({ env: { LLM_BASE_URL: simulator.url, DATA_DIR: dataDir } });
    const { code } = await second.exited;
    assert.equal(code, 1);
    const stderr = second.stderr.join('\n');
    assert.match(stderr, /data directory .* is in use by another process/);
    assert.ok(stderr.includes(dataDir), stderr);
  });

  it('a Levee restarted on the same DATA_DIR still has its collections and documents', async () => {
    // The store is still inside the slow query above: wait until it answers again.
    await waitFor(async () => ((await fetch(`${levee.url}/test/slow-query?ms=1`)).status === 200 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: () => 'the store to be idle',
    });
    const post = (path: string, body: unknown) =>
      fetch(`${levee.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/v1/collections', { name: 'kept', model: 'text-embedding-3-small', dimension: 1536 })).status, 200);
    const documents = ['first', 'second', 'third'].map((text, index) => ({ id: `doc-${index}`, text, metadata: { index } }));
    assert.equal((await post('/v1/collections/kept/documents', { documents })).status, 200);

    await levee.stop();
    levee = await spawnLevee({ env: { LLM_BASE_URL: simulator.url, DATA_DIR: dataDir } });
    const collection = (await (await fetch(`${levee.url}/v1/collections/kept`)).json()) as { document_count: number; dimension: number };
    assert.equal(collection.dimension, 1536);
    assert.equal(collection.document_count, 3);
    const document = (await (await fetch(`${levee.url}/v1/collections/kept/documents/doc-1`)).json()) as { text: string; metadata: unknown };
    assert.equal(document.text, 'second');
    assert.deepEqual(document.metadata, { index: 1 });
  });
});
