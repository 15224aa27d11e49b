/**
 * Batch lines and document-import chunks run inside Levee, not through /v1, so they never count
 * against inbound rate limits: with an AI budget of 5 calls an hour, a batch of 12 lines and an
 * import of 12 documents both complete, and the key still has its whole budget afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { ended, IMPORT_DIMENSION, IMPORT_MODEL, ImportClient, importDocument, jsonl } from './support/import-client.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';

const KEY = 'alice-key-0123456789';
const AI_BUDGET = 5;
const LINES = 12;

describe('batch lines and import chunks are not inbound requests', { timeout: 120_000 }, () => {
  let simulator: SimulatorHandle;
  let levee: LeveeProcess;
  let sdk: OpenAI;
  before(async () => {
    simulator = await startSimulator({ seed: 5, embeddingDimension: IMPORT_DIMENSION });
    levee = await spawnLevee({
      command: { file: process.execPath, args: LEVEE_ENTRY },
      env: { ...FAST_POLICIES, LLM_BASE_URL: simulator.url, API_KEYS: `alice:${KEY}`, RATE_LIMIT_AI_KEY_PER_HOUR: String(AI_BUDGET), JOB_POLL_INTERVAL_MS: '500' },
      startTimeoutMs: 30_000,
    });
    sdk = new OpenAI({ apiKey: KEY, baseURL: `${levee.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await levee?.stop();
    await simulator?.close();
  });

  it('completes a batch and an import larger than the AI budget, which stays whole', async () => {
    const lines = Array.from({ length: LINES }, (_, index) =>
      JSON.stringify({ custom_id: `line-${index}`, method: 'POST', url: '/v1/embeddings', body: { model: IMPORT_MODEL, input: `line ${index}` } }),
    );
    const input = await sdk.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 'lines.jsonl'), purpose: 'batch' });
    const created = await sdk.batches.create({ input_file_id: input.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    const batch = await waitFor(
      async () => {
        const current = await sdk.batches.retrieve(created.id);
        return ['completed', 'failed', 'cancelled', 'expired'].includes(current.status) ? current : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `batch ${created.id} to end` },
    );
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: LINES, completed: LINES, failed: 0 });

    const client = new ImportClient(levee.url, KEY);
    await client.createCollection('budget');
    const documents = Array.from({ length: LINES }, (_, index) => importDocument(index));
    const started = await client.startImport('budget', await client.upload(jsonl(documents)));
    const imported = await client.waitImport('budget', started.id, ended);
    assert.equal(imported.status, 'completed');
    assert.deepEqual(imported.request_counts, { total: LINES, completed: LINES, failed: 0 });

    // The whole budget is left for the key's own AI calls: 5 admitted, the sixth refused.
    const embed = () => sdk.embeddings.create({ model: IMPORT_MODEL, input: 'direct' }).withResponse();
    for (let call = 1; call <= AI_BUDGET; call += 1) {
      const { response } = await embed();
      assert.equal(response.headers.get('RateLimit-Remaining'), String(AI_BUDGET - call), `direct call ${call}`);
      assert.equal(response.headers.get('RateLimit-Policy'), `${AI_BUDGET};w=3600`);
    }
    await assert.rejects(embed(), (error: unknown) => error instanceof OpenAI.RateLimitError && /AI requests per client key: 5 per hour/.test(error.message));
  });
});
