/**
 * The retrieval API's integration suite, written once and run against each way Levee
 * reaches Postgres: the embedded server it starts itself, and a separately started one behind
 * DATABASE_URL. One Levee (and one database) per suite: every PGlite start costs seconds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { BAD_INPUT_CASES, BAD_INPUT_COLLECTION } from './retrieval-bad-input.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './levee-with-simulator.ts';

export interface RetrievalDatabase {
  /** Extra environment for Levee (e.g. DATABASE_URL); empty for the embedded default. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  body: any;
}

const MODEL = 'text-embedding-3-small';
const DIMENSION = 1536;
const topicOf = (index: number) => ['weather', 'sport', 'finance', 'cooking'][index % 4]!;
/** Document i of a 200-document corpus: distinct texts, metadata to filter on. */
const corpus = Array.from({ length: 200 }, (_, index) => ({
  id: `doc-${String(index).padStart(3, '0')}`,
  text: `Note ${index} about ${topicOf(index)}: ${'lorem ipsum '.repeat(index % 5)}entry ${index * 7}`,
  metadata: { topic: topicOf(index), even: index % 2 === 0, rank: index },
}));

export function describeRetrieval(title: string, startDatabase: (scratchDir: string) => Promise<RetrievalDatabase>): void {
  describe(title, () => {
    let scratchDir: string;
    let database: RetrievalDatabase | undefined;
    let app: LeveeWithSimulator | undefined;
    const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
      const response = await fetch(`${app!.levee.url}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };
    const ok = async (method: string, path: string, body?: unknown) => {
      const answer = await api(method, path, body);
      assert.equal(answer.status, 200, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const createCollection = (name: string, dimension = DIMENSION, model = MODEL) => ok('POST', '/v1/collections', { name, model, dimension });
    const listAll = async (name: string) => (await ok('GET', `/v1/collections/${name}/documents?limit=100`)).data as Array<{ id: string }>;

    before(async () => {
      scratchDir = await mkdtemp(join(tmpdir(), 'levee-retrieval-'));
      database = await startDatabase(scratchDir);
      app = await startLeveeWithSimulator({ DATA_DIR: join(scratchDir, 'levee-data'), ...database.env });
    });
    after(async () => {
      await app?.stop();
      await database?.stop();
      await rm(scratchDir, { recursive: true, force: true });
    });

    it('ranks the document whose text is the query first among 200', async () => {
      const created = await createCollection('acceptance');
      assert.deepEqual({ ...created, created_at: typeof created.created_at }, {
        object: 'collection', name: 'acceptance', model: MODEL, dimension: DIMENSION, document_count: 0, created_at: 'number',
      });
      const upserted = await ok('POST', '/v1/collections/acceptance/documents', { documents: corpus });
      assert.deepEqual({ ...upserted, usage: undefined }, { object: 'collection.upsert', collection: 'acceptance', upserted: 200, inserted: 200, updated: 0, usage: undefined });
      assert.ok(upserted.usage.total_tokens > 0);

      for (const target of [corpus[0]!, corpus[117]!, corpus[199]!]) {
        const found = await ok('POST', '/v1/collections/acceptance/search', { query: target.text });
        assert.equal(found.object, 'list');
        assert.equal(found.data.length, 10, 'top_k defaults to 10');
        assert.deepEqual(Object.keys(found.data[0]).sort(), ['id', 'metadata', 'score', 'text']);
        assert.equal(found.data[0].id, target.id);
        assert.equal(found.data[0].text, target.text);
        assert.deepEqual(found.data[0].metadata, target.metadata);
        assert.ok(Math.abs(found.data[0].score - 1) < 1e-5, `score of the same text is ~1, got ${found.data[0].score}`);
        const scores = found.data.map((hit: { score: number }) => hit.score);
        assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'closest first');
      }
      assert.equal((await ok('GET', '/v1/collections/acceptance')).document_count, 200);
    });

    it('answers a batch search with one result list per query, in query order', async () => {
      const targets = [corpus[42]!, corpus[3]!, corpus[150]!, corpus[77]!];
      const found = await ok('POST', '/v1/collections/acceptance/search', { queries: targets.map((target) => target.text), top_k: 3 });
      assert.equal(found.object, 'list');
      assert.deepEqual(found.data.map((item: { index: number }) => item.index), [0, 1, 2, 3]);
      found.data.forEach((item: { results: Array<{ id: string }> }, index: number) => {
        assert.equal(item.results.length, 3);
        assert.equal(item.results[0]!.id, targets[index]!.id);
      });
      // A batch item may set its own top_k and filter.
      const mixed = await ok('POST', '/v1/collections/acceptance/search', { queries: [corpus[5]!.text, { query: corpus[6]!.text, top_k: 1, filter: { topic: 'finance' } }] });
      assert.equal(mixed.data[0].results.length, 10);
      assert.deepEqual(mixed.data[1].results.map((hit: { id: string }) => hit.id), [corpus[6]!.id]);
    });

    it('filters on metadata equality and still returns top_k matches', async () => {
      const found = await ok('POST', '/v1/collections/acceptance/search', { query: corpus[0]!.text, top_k: 25, filter: { topic: 'sport', even: false } });
      assert.equal(found.data.length, 25);
      for (const hit of found.data) assert.deepEqual([hit.metadata.topic, hit.metadata.even], ['sport', false]);
      const none = await ok('POST', '/v1/collections/acceptance/search', { query: 'anything', filter: { topic: 'gardening' } });
      assert.deepEqual(none.data, []);
      const numeric = await ok('POST', '/v1/collections/acceptance/search', { query: 'anything', filter: { rank: 117 } });
      assert.deepEqual(numeric.data.map((hit: { id: string }) => hit.id), ['doc-117']);
    });

    it('pages documents with a cursor: limit, after, has_more', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await ok('GET', `/v1/collections/acceptance/documents?limit=64${after ? `&after=${after}` : ''}`);
        assert.equal(page.object, 'list');
        assert.equal(page.first_id, page.data[0]?.id ?? null);
        assert.equal(page.last_id, page.data.at(-1)?.id ?? null);
        seen.push(...page.data.map((document: { id: string }) => document.id));
        if (!page.has_more) break;
        after = page.last_id;
      }
      assert.deepEqual(seen, corpus.map((document) => document.id));
      const first = await ok('GET', '/v1/collections/acceptance/documents');
      assert.equal(first.data.length, 20, 'limit defaults to 20');
      assert.deepEqual(Object.keys(first.data[0]).sort(), ['created_at', 'id', 'metadata', 'object', 'text', 'updated_at']);
    });

    it('gets, replaces and deletes one document', async () => {
      await createCollection('single');
      await ok('POST', '/v1/collections/single/documents', { documents: [{ id: 'a/b c', text: 'first version', metadata: { v: 1 } }, { id: 'other', text: 'other' }] });
      const path = `/v1/collections/single/documents/${encodeURIComponent('a/b c')}`;
      assert.deepEqual({ ...(await ok('GET', path)), created_at: 0, updated_at: 0 }, {
        object: 'collection.document', id: 'a/b c', text: 'first version', metadata: { v: 1 }, created_at: 0, updated_at: 0,
      });
      const replaced = await ok('POST', '/v1/collections/single/documents', { documents: [{ id: 'a/b c', text: 'second version' }] });
      assert.deepEqual([replaced.inserted, replaced.updated], [0, 1]);
      assert.deepEqual([(await ok('GET', path)).text, (await ok('GET', path)).metadata], ['second version', {}]);
      assert.equal((await ok('GET', '/v1/collections/single')).document_count, 2);
      assert.deepEqual(await ok('DELETE', path), { id: 'a/b c', object: 'collection.document.deleted', deleted: true });
      assert.equal((await api('GET', path)).status, 404);
      assert.equal((await api('DELETE', path)).status, 404);
      assert.equal((await ok('GET', '/v1/collections/single')).document_count, 1);
    });

    it('creates, lists, gets and deletes collections: 409 on a taken name, 404 once gone', async () => {
      await createCollection('crud-a');
      // Past 2,000 dimensions the vectors are stored as halfvec, searched the same way.
      await createCollection('crud-b', 3072, 'text-embedding-3-large');
      const large = ['red apples', 'green pears', 'blue plums'].map((text, index) => ({ id: `l${index}`, text }));
      await ok('POST', '/v1/collections/crud-b/documents', { documents: large });
      const nearest = await ok('POST', '/v1/collections/crud-b/search', { query: 'green pears', top_k: 2 });
      assert.deepEqual([nearest.data.length, nearest.data[0].id], [2, 'l1']);
      assert.ok(Math.abs(nearest.data[0].score - 1) < 1e-3, 'halfvec keeps ~3 significant digits');
      const conflict = await api('POST', '/v1/collections', { name: 'crud-a', model: MODEL, dimension: 8 });
      assert.deepEqual([conflict.status, conflict.body.error.code, conflict.body.error.param], [409, 'collection_exists', 'name']);
      const names: string[] = [];
      let after: string | undefined;
      do {
        const page = await ok('GET', `/v1/collections?limit=2${after ? `&after=${after}` : ''}`);
        names.push(...page.data.map((collection: { name: string }) => collection.name));
        after = page.has_more ? page.last_id : undefined;
      } while (after);
      assert.ok(names.includes('crud-a') && names.includes('crud-b'));
      assert.deepEqual(names, [...names].sort());
      assert.equal((await ok('GET', '/v1/collections/crud-b')).dimension, 3072);
      assert.deepEqual(await ok('DELETE', '/v1/collections/crud-a'), { name: 'crud-a', object: 'collection.deleted', deleted: true });
      assert.equal((await api('GET', '/v1/collections/crud-a')).status, 404);
      assert.equal((await api('GET', '/v1/collections/crud-a/documents')).status, 404);
      // The name is free again, with a new, empty table.
      assert.equal((await createCollection('crud-a', 8)).document_count, 0);
    });

    it('writes nothing when an embeddings batch fails midway', async () => {
      await createCollection('all-or-nothing');
      const before = app!.simulator.requests().filter((entry) => entry.route === 'embeddings').length;
      // One batch of five fails, late: the others have been embedded by then.
      app!.simulator.setFaults([
        { route: 'embeddings', count: 1, fault: { type: 'latency', distribution: { kind: 'fixed', ms: 300 } } },
        { route: 'embeddings', count: 1, fault: { type: 'error', status: 400, message: 'injected failure' } },
      ]);
      const failed = await api('POST', '/v1/collections/all-or-nothing/documents', { documents: corpus.slice(0, 100) });
      app!.simulator.setFaults([]);
      assert.equal(failed.status, 400, JSON.stringify(failed.body));
      assert.match(failed.body.error.message, /injected failure/);
      assert.ok(app!.simulator.requests().filter((entry) => entry.route === 'embeddings').length - before >= 3, 'other batches were embedded');
      assert.deepEqual(await listAll('all-or-nothing'), []);
      assert.equal((await ok('GET', '/v1/collections/all-or-nothing')).document_count, 0);
    });

    it('refuses embeddings of another size with 422 dimension_mismatch, writing nothing', async () => {
      await createCollection('tiny', 8);
      const refused = await api('POST', '/v1/collections/tiny/documents', { documents: corpus.slice(0, 30) });
      assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.type], [422, 'dimension_mismatch', 'invalid_request_error']);
      assert.match(refused.body.error.message, /1536-dimensional.*dimension 8/);
      assert.deepEqual(await listAll('tiny'), []);
      const search = await api('POST', '/v1/collections/tiny/search', { query: 'q' });
      assert.deepEqual([search.status, search.body.error.code], [422, 'dimension_mismatch']);
    });

    describe('bad input', () => {
      before(async () => {
        await createCollection(BAD_INPUT_COLLECTION);
        await ok('POST', `/v1/collections/${BAD_INPUT_COLLECTION}/documents`, { documents: [{ id: 'kept', text: 'kept' }] });
      });
      for (const testCase of BAD_INPUT_CASES) {
        it(`${testCase.name}: ${testCase.status} ${testCase.code}${testCase.param ? ` (${testCase.param})` : ''}`, async () => {
          const answer = await api(testCase.method, testCase.path, testCase.body);
          assert.equal(answer.status, testCase.status, JSON.stringify(answer.body));
          assert.equal(answer.body.error.code, testCase.code);
          assert.equal(answer.body.error.param, testCase.param);
          assert.equal(answer.body.error.type, 'invalid_request_error');
        });
      }
      it('left the collection as it was', async () => {
        assert.deepEqual((await listAll(BAD_INPUT_COLLECTION)).map((document) => document.id), ['kept']);
        assert.equal((await ok('GET', `/v1/collections/${BAD_INPUT_COLLECTION}`)).document_count, 1);
      });
    });

    it("serves the official openai SDK's generic client, errors as its own classes", async () => {
      const client = new OpenAI({ baseURL: `${app!.levee.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const found = await client.post<{ data: Array<{ id: string }> }>('/collections/acceptance/search', { body: { query: corpus[9]!.text, top_k: 1 } });
      assert.equal(found.data[0]?.id, corpus[9]!.id);
      await assert.rejects(client.get('/collections/no-such-collection'), OpenAI.NotFoundError);
      await assert.rejects(client.post('/collections', { body: { name: 'acceptance', model: MODEL, dimension: 8 } }), OpenAI.ConflictError);
      await assert.rejects(client.post('/collections/tiny/documents', { body: { documents: [{ id: 'a', text: 'a' }] } }), OpenAI.UnprocessableEntityError);
    });
  });
}
