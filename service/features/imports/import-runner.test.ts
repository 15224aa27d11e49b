import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileStore } from '../../capabilities/files/file-store.ts';
import type { ChunkResult, DocumentImport, ImportChunk, ImportError, ImportPlan, ImportStore } from '../../capabilities/imports/import-store.ts';
import type { CollectionRow, DocumentInput, VectorStore } from '../../capabilities/vector-store/vector-store.ts';
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';
import { LeveeError } from '../../errors.ts';
import { runImport, type ImportRunnerDeps } from './import-runner.ts';

const DIMENSION = 3;
const COLLECTION: CollectionRow = { id: '1', name: 'docs', model: 'm', dimension: DIMENSION, documentCount: 0, version: 0, createdAt: new Date() };
const doc = (index: number) => JSON.stringify({ id: `d${index}`, text: `text ${index}` });

/** The import store's contract, in memory. */
class MemoryImportStore implements ImportStore {
  entry: DocumentImport = {
    id: 'imp_1', owner: '', collection: 'docs', fileId: 'file-1', status: 'validating', errors: null, createdAt: 0, inProgressAt: null, completedAt: null, failedAt: null, cancelledAt: null,
    counts: { total: 0, completed: 0, failed: 0 }, usage: { promptTokens: 0, totalTokens: 0 },
  };
  chunks: Array<ImportChunk & { done: boolean }> = [];

  async create() {
    return this.entry;
  }

  async get() {
    return this.entry;
  }

  async list() {
    return { imports: [this.entry], hasMore: false };
  }

  async active() {
    return [this.entry];
  }

  async recent() {
    return [this.entry];
  }

  async load() {
    return structuredClone(this.entry);
  }

  async start(_id: string, plan: ImportPlan) {
    if (this.entry.status !== 'validating') return;
    this.entry = { ...this.entry, status: 'in_progress', counts: { total: plan.total, completed: 0, failed: plan.failed }, errors: plan.errors.length ? [...plan.errors] : null };
    this.chunks = plan.chunks.map((chunk) => ({ ...chunk, done: false }));
  }

  async fail(_id: string, error: ImportError) {
    if (this.entry.status !== 'validating' && this.entry.status !== 'in_progress') return;
    this.entry = { ...this.entry, status: 'failed', errors: [error, ...(this.entry.errors ?? [])] };
  }

  async pending() {
    return this.chunks.filter((chunk) => !chunk.done).map(({ done: _, ...chunk }) => chunk);
  }

  async finishChunk(_id: string, number: number, result: ChunkResult) {
    const chunk = this.chunks.find((each) => each.chunk === number)!;
    if (chunk.done) return;
    chunk.done = true;
    const { counts } = this.entry;
    const errors = result.error ? [...(this.entry.errors ?? []), result.error] : this.entry.errors;
    this.entry = { ...this.entry, counts: { ...counts, completed: counts.completed + result.completed, failed: counts.failed + result.failed }, errors };
  }

  async complete() {
    if (this.entry.status !== 'in_progress') return false;
    this.entry = { ...this.entry, status: 'completed' };
    return true;
  }

  async cancel() {
    if (this.entry.status !== 'validating' && this.entry.status !== 'in_progress') return false;
    this.entry = { ...this.entry, status: 'cancelled', cancelledAt: 1 };
    return true;
  }
}

/** A runner over one file's content, a collection that records its writes, and an LLM answering by `answer`. */
function setUp(content: string, answer: (texts: string[]) => void = () => {}) {
  const bytes = Buffer.from(content);
  const files = {
    get: async () => ({ id: 'file-1', owner: '', filename: 'f', purpose: 'user_data', bytes: bytes.length, createdAt: new Date(), expiresAt: null }),
    content: async (_owner: string, _id: string, range: { offset: number; length: number }) => bytes.subarray(range.offset, range.offset + range.length),
  } as unknown as FileStore;
  const written: string[] = [];
  const vectors = {
    findCollection: async () => COLLECTION,
    upsertDocuments: async (_collection: CollectionRow, documents: readonly DocumentInput[]) => {
      written.push(...documents.map((document) => document.id));
      return { inserted: documents.length, updated: 0 };
    },
  } as unknown as VectorStore;
  const llm = {
    embeddings: async (request: { input: string[] }) => {
      answer(request.input);
      return { data: request.input.map((_, index) => ({ index, embedding: [1, 0, 0] })), usage: { prompt_tokens: request.input.length, total_tokens: request.input.length } };
    },
  } as unknown as LlmGateway;
  const store = new MemoryImportStore();
  const deps: ImportRunnerDeps = {
    store, files, retrieval: { store: vectors, llm, embeddings: { batchSize: 20, concurrency: 3 } }, timeoutMs: 5_000,
    limits: { chunkDocuments: 2, maxDocuments: 100 }, concurrency: 2, readBytes: 16, pauseMs: { first: 5, max: 20 },
  };
  return { deps, store, written };
}

const signal = new AbortController().signal;

describe('runImport', () => {
  it('validates the file, writes every chunk, and counts bad lines failed', async () => {
    const { deps, store, written } = setUp([doc(1), 'oops', doc(2), doc(3), '', doc(4), doc(5)].join('\n'));
    await runImport(deps, 'imp_1', signal);
    assert.equal(store.entry.status, 'completed');
    assert.deepEqual(store.entry.counts, { total: 6, completed: 5, failed: 1 });
    assert.deepEqual(store.entry.errors?.map((error) => [error.line, error.code]), [[2, 'invalid_json_line']]);
    assert.deepEqual(written.sort(), ['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('resumes: chunks that ended before are not written again', async () => {
    const { deps, store, written } = setUp([1, 2, 3, 4, 5].map(doc).join('\n'));
    let calls = 0;
    const worker = new AbortController();
    deps.retrieval.store.upsertDocuments = async () => {
      calls += 1;
      // The worker stops while writing the third chunk: the chunks written so far stay done.
      if (calls === 3) {
        worker.abort(new Error('stopped'));
        throw new Error('stopped');
      }
      return { inserted: 2, updated: 0 };
    };
    deps.concurrency = 1;
    await assert.rejects(runImport(deps, 'imp_1', worker.signal), /stopped/);
    assert.deepEqual(store.chunks.map((chunk) => chunk.done), [true, true, false]);
    deps.retrieval.store.upsertDocuments = async (_collection, documents) => {
      written.push(...documents.map((document) => document.id));
      return { inserted: documents.length, updated: 0 };
    };
    await runImport(deps, 'imp_1', signal);
    assert.equal(store.entry.status, 'completed');
    assert.deepEqual(written, ['d5']);
    assert.equal(store.entry.counts.completed, 5);
  });

  it('waits out "not now" without failing anything, and gives up on a chunk that keeps failing after three runs', async () => {
    let saturated = 3;
    const runs = new Map<string, number>();
    const { deps, store, written } = setUp([1, 2, 3, 4].map(doc).join('\n'), (texts) => {
      if (saturated-- > 0) throw new LeveeError('dependency_saturated', 'busy');
      runs.set(texts[0]!, (runs.get(texts[0]!) ?? 0) + 1);
      if (texts.includes('text 3')) throw new LeveeError('upstream_error', 'the provider kept failing');
    });
    await runImport(deps, 'imp_1', signal);
    assert.equal(store.entry.status, 'completed');
    assert.deepEqual(store.entry.counts, { total: 4, completed: 2, failed: 2 });
    assert.deepEqual(written, ['d1', 'd2']);
    assert.equal(runs.get('text 3'), 3);
    assert.deepEqual(store.entry.errors?.map((error) => [error.line, error.code]), [[3, 'upstream_error']]);
    assert.match(store.entry.errors![0]!.message, /^Lines 3 to 4 \(2 documents\) were not imported/);
  });

  it('fails the import when its collection is gone, or the vectors do not fit it', async () => {
    const gone = setUp(doc(1));
    gone.deps.retrieval.store.findCollection = async () => undefined;
    await runImport(gone.deps, 'imp_1', signal);
    assert.equal(gone.store.entry.status, 'failed');
    assert.equal(gone.store.entry.errors?.[0]?.code, 'collection_not_found');

    const mismatch = setUp([1, 2, 3].map(doc).join('\n'), () => {
      throw new LeveeError('dimension_mismatch', 'wrong size');
    });
    await runImport(mismatch.deps, 'imp_1', signal);
    assert.equal(mismatch.store.entry.status, 'failed');
    assert.equal(mismatch.store.entry.errors?.[0]?.code, 'dimension_mismatch');
  });

  it('stops starting chunks once a cancel is seen, keeping what was written', async () => {
    const { deps, store, written } = setUp(Array.from({ length: 10 }, (_, index) => doc(index)).join('\n'));
    deps.concurrency = 1;
    deps.retrieval.store.upsertDocuments = async (_collection, documents) => {
      // Cancelled while the first chunk is written; each chunk takes 300 ms, the status is polled every 500 ms.
      if (written.length === 0) await store.cancel();
      await new Promise((resolve) => setTimeout(resolve, 300));
      written.push(...documents.map((document) => document.id));
      return { inserted: documents.length, updated: 0 };
    };
    await runImport(deps, 'imp_1', signal);
    assert.equal(store.entry.status, 'cancelled');
    assert.ok(written.length >= 2 && written.length <= 4, `1 or 2 chunks of 5 written, not ${written.length / 2}`);
    assert.equal(store.entry.counts.completed, written.length, 'the chunks that ran are counted');
  });

  it('fails in validating on an empty file', async () => {
    const { deps, store } = setUp('\n\n');
    await runImport(deps, 'imp_1', signal);
    assert.equal(store.entry.status, 'failed');
    assert.equal(store.entry.errors?.[0]?.code, 'empty_file');
  });
});
