/**
 * Document imports into a collection against a real Levee (embedded Postgres, the simulator
 * upstream): a 2,000-document JSONL file uploaded with the official SDK, imported in chunks and
 * searched; bad lines listed with their line numbers while the rest are imported; imports are
 * their client key's own; bad requests are refused at once and create nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { ended, IMPORT_DIMENSION, importDocument, ImportClient, jsonl } from './support/import-client.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './support/levee-with-simulator.ts';

const KEYS = 'alice:alice-key-0123456789,bob:bob-key-0123456789';
const DOCUMENTS = 2_000;
/** Documents per chunk (composition/create-imports.ts): the first and the last chunk are searched. */
const CHUNK = 100;

describe('Document imports', { timeout: 120_000 }, () => {
  let simulator: SimulatorHandle;
  let levee: LeveeProcess;
  let alice: ImportClient;
  let bob: ImportClient;
  before(async () => {
    simulator = await startSimulator({ seed: 11, embeddingDimension: IMPORT_DIMENSION });
    levee = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...FAST_POLICIES, LLM_BASE_URL: simulator.url, API_KEYS: KEYS, JOB_POLL_INTERVAL_MS: '500' }, startTimeoutMs: 30_000 });
    alice = new ImportClient(levee.url, 'alice-key-0123456789');
    bob = new ImportClient(levee.url, 'bob-key-0123456789');
    await alice.createCollection('handbook');
  });
  after(async () => {
    await levee?.stop();
    await simulator?.close();
  });

  it(`imports ${DOCUMENTS} documents in chunks, and search finds the first and the last chunk's`, async (t) => {
    const documents = Array.from({ length: DOCUMENTS }, (_, index) => importDocument(index));
    const fileId = await alice.upload(jsonl(documents));
    const startedAt = performance.now();
    const created = await alice.startImport('handbook', fileId);
    assert.match(created.id, /^imp_[0-9a-f]{24}$/);
    assert.deepEqual(
      { ...created, id: undefined, created_at: typeof created.created_at },
      {
        id: undefined, object: 'collection.import', collection: 'handbook', file_id: fileId, status: 'validating', created_at: 'number', in_progress_at: null, completed_at: null, failed_at: null, cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 }, errors: null, usage: { prompt_tokens: 0, total_tokens: 0 },
      },
    );
    const done = await alice.waitImport('handbook', created.id, ended);
    t.diagnostic(`${DOCUMENTS} documents imported in ${Math.round(performance.now() - startedAt)} ms`);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.request_counts, { total: DOCUMENTS, completed: DOCUMENTS, failed: 0 });
    assert.equal(done.errors, null);
    assert.ok(done.usage.total_tokens > 0);
    assert.ok(typeof done.in_progress_at === 'number' && typeof done.completed_at === 'number' && done.failed_at === null);
    assert.equal((await alice.ok('GET', '/v1/collections/handbook')).document_count, DOCUMENTS);
    for (const index of [0, CHUNK - 1, DOCUMENTS - CHUNK, DOCUMENTS - 1]) {
      assert.equal(await alice.topHit('handbook', documents[index]!.text), documents[index]!.id, `document ${index} ranks first for its own text`);
    }
    const stored = await alice.ok('GET', `/v1/collections/handbook/documents/${documents[1_999]!.id}`);
    assert.deepEqual(stored.metadata, documents[1_999]!.metadata);
  });

  it('lists bad lines with their line number, code and message, and imports the rest', async () => {
    await alice.createCollection('partial');
    const good = Array.from({ length: 250 }, (_, index) => importDocument(10_000 + index));
    const lines: Array<string | object> = [...good];
    lines.splice(1, 0, 'not json');
    lines.splice(50, 0, { id: 'no-text' });
    lines.splice(120, 0, { id: good[3]!.id, text: 'the same id again' });
    lines.splice(200, 0, '');
    lines.splice(230, 0, { id: 'too-long', text: 'x'.repeat(32_001) });
    const created = await alice.startImport('partial', await alice.upload(jsonl(lines)));
    const done = await alice.waitImport('partial', created.id, ended);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.request_counts, { total: 254, completed: 250, failed: 4 });
    assert.deepEqual(
      done.errors?.data.map((error) => [error.line, error.code, error.param]),
      [
        [2, 'invalid_json_line', null],
        [51, 'invalid_document', 'text'],
        [121, 'duplicate_id', 'id'],
        [231, 'invalid_document', 'text'],
      ],
    );
    assert.match(done.errors!.data[2]!.message, /already on line 5\b/);
    assert.equal((await alice.ok('GET', '/v1/collections/partial')).document_count, 250);
    assert.equal((await alice.ok('GET', `/v1/collections/partial/documents/${good[3]!.id}`)).text, good[3]!.text, 'the first line with an id is the one imported');
    assert.equal((await alice.request('GET', '/v1/collections/partial/documents/no-text')).status, 404);
  });

  it("keeps imports per client key: another key gets 404 and an empty list", async () => {
    const [mine] = (await alice.ok('GET', '/v1/collections/handbook/imports')).data as Array<{ id: string }>;
    assert.ok(mine);
    const foreign = await bob.request('GET', `/v1/collections/handbook/imports/${mine.id}`);
    assert.equal(foreign.status, 404);
    assert.deepEqual({ ...foreign.body.error, message: undefined }, { message: undefined, type: 'invalid_request_error', code: 'not_found', param: 'import_id', request_id: foreign.body.error.request_id });
    assert.deepEqual((await bob.ok('GET', '/v1/collections/handbook/imports')).data, []);
    // The import of another collection is not found under this one either.
    assert.equal((await alice.request('GET', `/v1/collections/partial/imports/${mine.id}`)).status, 404);
  });

  it('refuses bad requests at once, creating nothing', async () => {
    const documents = await alice.upload(jsonl([importDocument(1)]));
    const requests = await alice.upload(jsonl([importDocument(1)]), 'batch');
    const assistants = await alice.upload(jsonl([importDocument(1)]), 'assistants');
    const listed = async () => (await alice.ok('GET', '/v1/collections/handbook/imports')).data.length as number;
    const before = await listed();
    const cases: Array<[string, unknown, number, string, string]> = [
      ['handbook', {}, 400, 'invalid_request', 'file_id'],
      ['handbook', { file_id: 42 }, 400, 'invalid_request', 'file_id'],
      ['handbook', { file_id: documents, extra: true }, 400, 'invalid_request', ''],
      ['handbook', { file_id: 'file-00000000000000000000000000000000' }, 404, 'not_found', 'file_id'],
      ['handbook', { file_id: requests }, 400, 'invalid_request', 'file_id'],
      ['no-such-collection', { file_id: documents }, 404, 'not_found', ''],
      ['Bad Name', { file_id: documents }, 400, 'invalid_request', 'name'],
      // Found by test/fuzz/: a NUL reached Postgres (500).
      ['handbook', { file_id: 'file-\u0000' }, 404, 'not_found', 'file_id'],
    ];
    for (const [collection, body, status, code, param] of cases) {
      const answer = await alice.request('POST', `/v1/collections/${encodeURIComponent(collection)}/imports`, body);
      assert.deepEqual([answer.status, answer.body.error?.code, answer.body.error?.param ?? ''], [status, code, param], `${collection} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
    }
    // Nor in a path or a cursor (both were 500s).
    assert.equal((await alice.request('GET', '/v1/collections/handbook/imports/%00')).status, 404);
    assert.equal((await alice.request('GET', '/v1/collections/handbook/imports?after=%00')).body.error?.param, 'after');
    // Another client's file is not there for bob.
    assert.equal((await bob.request('POST', '/v1/collections/handbook/imports', { file_id: documents })).status, 404);
    assert.equal(await listed(), before);
    // An `assistants` file is as good as a `user_data` one.
    const accepted = await alice.startImport('handbook', assistants);
    assert.equal((await alice.waitImport('handbook', accepted.id, ended)).status, 'completed');
  });
});
