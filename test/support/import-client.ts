/**
 * What the document-import tests share: a small-dimension embedding model (the simulator embeds a
 * model it does not know with its `embeddingDimension`, so writes stay cheap), a corpus of
 * documents as JSONL, and a client for the collection and import routes (files go through the
 * official SDK).
 */
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { waitFor } from './wait-for.ts';

/** Start the simulator with `embeddingDimension: IMPORT_DIMENSION` for this model. */
export const IMPORT_MODEL = 'sim-embedding-small';
export const IMPORT_DIMENSION = 64;

export interface ImportDocument {
  id: string;
  text: string;
  metadata: Record<string, string | number | boolean | null>;
}

/** Document i: a distinct text (its own numbers, so its own vector from the simulator's word features), some metadata. */
export const importDocument = (index: number): ImportDocument => ({
  id: `doc-${String(index).padStart(6, '0')}`,
  text: `Document ${index} of the import, about ${['tides', 'levees', 'rivers', 'pumps'][index % 4]} (${index * 31})`,
  metadata: { index, even: index % 2 === 0 },
});

export const jsonl = (lines: ReadonlyArray<string | object>) => lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');

export interface Answer {
  status: number;
  body: any;
}

export interface ImportObject {
  id: string;
  object: 'collection.import';
  status: string;
  request_counts: { total: number; completed: number; failed: number };
  errors: { object: 'list'; data: Array<{ code: string; message: string; param: string | null; line: number | null }> } | null;
  usage: { prompt_tokens: number; total_tokens: number };
  [key: string]: unknown;
}

export class ImportClient {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly sdk: OpenAI;

  constructor(url: string, key?: string) {
    this.url = url;
    this.#headers = key ? { authorization: `Bearer ${key}` } : {};
    this.sdk = new OpenAI({ apiKey: key ?? 'unused', baseURL: `${url}/v1`, maxRetries: 2 });
  }

  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...this.#headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }

  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const answer = await this.request(method, path, body);
    assert.equal(answer.status, 200, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  createCollection(name: string) {
    return this.ok('POST', '/v1/collections', { name, model: IMPORT_MODEL, dimension: IMPORT_DIMENSION });
  }

  async upload(content: string, purpose: 'user_data' | 'assistants' | 'batch' = 'user_data'): Promise<string> {
    return (await this.sdk.files.create({ file: await toFile(Buffer.from(content), 'documents.jsonl'), purpose })).id;
  }

  async startImport(collection: string, fileId: string): Promise<ImportObject> {
    return (await this.ok('POST', `/v1/collections/${collection}/imports`, { file_id: fileId })) as ImportObject;
  }

  /** The import, fetched until `until` holds (any answer but 200 is asked again). */
  async waitImport(collection: string, id: string, until: (current: ImportObject) => boolean, timeoutMs = 60_000): Promise<ImportObject> {
    let last: ImportObject | undefined;
    return waitFor(
      async () => {
        last = (await this.ok('GET', `/v1/collections/${collection}/imports/${id}`)) as ImportObject;
        return until(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 100, what: () => `import ${id} (last seen ${last?.status}, ${JSON.stringify(last?.request_counts)})` },
    );
  }

  /** The id of the best match for `query`. */
  async topHit(collection: string, query: string): Promise<string | undefined> {
    // A wide top_k widens the HNSW search (ef_search = 2 × top_k), so the exact text is surely found.
    const found = await this.ok('POST', `/v1/collections/${collection}/search`, { query, top_k: 50 });
    return found.data[0]?.id;
  }
}

export const ended = (current: ImportObject) => current.status === 'completed' || current.status === 'failed';
