/**
 * The OpenAI Files API on a real Levee over the embedded Postgres, driven by the official SDK
 * (chunked multipart, as it sends uploads) and by raw HTTP for the bad inputs: upload, list,
 * retrieve, content (several stored pieces, byte for byte), delete; every file is its client
 * key's own (another key gets 404 and does not see it listed); each bad request gets its exact
 * status, code and param and stores nothing; a file past its TTL reads as deleted and is purged.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';

const ALICE = 'alice-key-0123456789';
const BOB = 'bob-key-9876543210';
/** Over two of the store's 4 MiB pieces, under the limit below. */
const FILE_MAX_BYTES = 10 * 1024 * 1024;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** node:http directly, so bodies go out exactly as written: chunked (as the SDK sends) unless `length`. */
function send(base: string, options: { method: string; path: string; key?: string; headers?: Record<string, string>; body?: Buffer; length?: boolean }): Promise<Answer> {
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  if (options.body && options.length) headers['Content-Length'] = options.body.length;
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(new URL(options.path, base), { method: options.method, headers, agent: false }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text.startsWith('{') ? JSON.parse(text) : text });
      });
    });
    // A refused body's rest may meet a closing socket (EPIPE) before or after the answer is read:
    // that is not the answer. Only a request that closes with no answer at all failed.
    let failure: Error | undefined;
    outgoing.on('error', (error) => {
      failure ??= error;
    });
    outgoing.on('close', () => {
      if (!answered) reject(failure ?? new Error('the connection closed without an answer'));
    });
    if (options.body && !options.length) {
      for (let offset = 0; offset < options.body.length; offset += 64 * 1024) outgoing.write(options.body.subarray(offset, offset + 64 * 1024));
      outgoing.end();
    } else {
      outgoing.end(options.body);
    }
  });
}

const BOUNDARY = '----levee-test-boundary-7MA4YWxkTrZu0gW';
type Part = { name: string; value: string } | { name: string; filename: string; content: Buffer };

/** A multipart/form-data body of these parts, in this order. */
function multipart(parts: Part[], options: { truncate?: boolean } = {}): { headers: Record<string, string>; body: Buffer } {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    if ('filename' in part) {
      pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
      pieces.push(part.content, Buffer.from('\r\n'));
    } else {
      pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`));
    }
  }
  if (!options.truncate) pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }, body: Buffer.concat(pieces) };
}

/** A multipart body exactly as written, for the framings `multipart` never writes. */
function rawMultipart(text: string): { headers: Record<string, string>; body: Buffer } {
  return { headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }, body: Buffer.from(text) };
}

const jsonl = (lines: number) => Buffer.from(Array.from({ length: lines }, (_, index) => `${JSON.stringify({ custom_id: `line-${index}`, body: { n: index } })}\n`).join(''));

describe('the Files API', () => {
  let dir: string;
  let levee: LeveeProcess;
  const sdk = (key: string) => new OpenAI({ baseURL: `${levee.url}/v1`, apiKey: key, maxRetries: 0 });
  const idsOf = async (key: string) => (await send(levee.url, { method: 'GET', path: '/v1/files', key })).body.data.map((file: { id: string }) => file.id) as string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'levee-files-'));
    levee = await spawnLevee({
      command: { file: process.execPath, args: LEVEE_ENTRY },
      env: { API_KEYS: `alice:${ALICE},bob:${BOB}`, FILE_MAX_BYTES: String(FILE_MAX_BYTES) },
    });
    // The embedded store starts on first use: start it now, so the upload below is timed alone.
    assert.equal((await send(levee.url, { method: 'GET', path: '/v1/files', key: ALICE })).status, 200);
  });
  after(async () => {
    await levee?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads with the SDK, then lists, retrieves, reads back byte for byte and deletes', async () => {
    // Several of the store's pieces, and not a multiple of them.
    const content = Buffer.concat([jsonl(1_000), Buffer.alloc(9 * 1024 * 1024 + 12_345, 'x'), Buffer.from('\n')]);
    const path = join(dir, 'requests.jsonl');
    await writeFile(path, content);
    const alice = sdk(ALICE);

    const started = performance.now();
    const created = await alice.files.create({ file: createReadStream(path), purpose: 'batch' });
    const uploadMs = performance.now() - started;
    assert.deepEqual(Object.keys(created).sort(), ['bytes', 'created_at', 'expires_at', 'filename', 'id', 'object', 'purpose', 'status']);
    assert.match(created.id, /^file-[0-9a-f]{32}$/);
    assert.deepEqual({ ...created, id: undefined, created_at: undefined, expires_at: undefined }, {
      id: undefined, object: 'file', bytes: content.length, created_at: undefined, expires_at: undefined, filename: 'requests.jsonl', purpose: 'batch', status: 'processed',
    });
    assert.ok(Math.abs(created.created_at - Date.now() / 1000) < 60);
    assert.equal(created.expires_at, created.created_at + 2_592_000, 'FILE_TTL_SECONDS defaults to 30 days');

    assert.deepEqual(await alice.files.retrieve(created.id), created);
    const listed = await alice.files.list();
    assert.deepEqual(listed.data[0], created);

    const readStarted = performance.now();
    const response = await alice.files.content(created.id);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    assert.equal(response.headers.get('content-length'), String(content.length));
    const read = Buffer.from(await response.arrayBuffer());
    const readMs = performance.now() - readStarted;
    assert.equal(read.length, content.length);
    assert.ok(read.equals(content), 'the same bytes');
    console.log(`# ${(content.length / 1024 / 1024).toFixed(1)} MiB: upload ${Math.round(uploadMs)} ms, read back ${Math.round(readMs)} ms (embedded Postgres)`);

    assert.deepEqual(await alice.files.delete(created.id), { id: created.id, object: 'file', deleted: true });
    await assert.rejects(alice.files.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError && (error.error as { code: string }).code === 'not_found');
    await assert.rejects(alice.files.content(created.id), OpenAI.NotFoundError);
    await assert.rejects(alice.files.delete(created.id), OpenAI.NotFoundError);
    assert.ok(!(await idsOf(ALICE)).includes(created.id));
  });

  it("keeps each key's files to itself: another key gets 404 and does not see them listed", async () => {
    const created = await sdk(ALICE).files.create({ file: await toFile(jsonl(3), 'mine.jsonl'), purpose: 'user_data' });
    const bob = sdk(BOB);
    for (const call of [() => bob.files.retrieve(created.id), () => bob.files.content(created.id), () => bob.files.delete(created.id)]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError, String(error));
        assert.equal((error.error as { code: string }).code, 'not_found');
        assert.equal(error.message.includes('alice'), false);
        return true;
      });
    }
    assert.ok(!(await idsOf(BOB)).includes(created.id));
    assert.ok((await idsOf(ALICE)).includes(created.id), 'still there for its owner');
    const anonymous = await send(levee.url, { method: 'GET', path: `/v1/files/${created.id}` });
    assert.equal(anonymous.status, 401);
  });

  it('pages the list with limit, order and after, and filters by purpose', async () => {
    const owner = sdk(BOB);
    const made: string[] = [];
    for (let index = 0; index < 5; index += 1) made.push((await owner.files.create({ file: await toFile(jsonl(1), `f${index}.jsonl`), purpose: index % 2 ? 'evals' : 'vision' })).id);
    const page = async (query: string) => (await send(levee.url, { method: 'GET', path: `/v1/files?${query}`, key: BOB })).body;

    const newest = await page('limit=2');
    assert.deepEqual(newest.data.map((file: { id: string }) => file.id), [made[4], made[3]]);
    assert.deepEqual([newest.object, newest.first_id, newest.last_id, newest.has_more], ['list', made[4], made[3], true]);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const next = await page(`limit=2&order=asc${after ? `&after=${after}` : ''}`);
      seen.push(...next.data.map((file: { id: string }) => file.id));
      if (!next.has_more) break;
      after = next.last_id;
    }
    assert.deepEqual(seen, made);
    assert.deepEqual((await page('purpose=evals&order=asc')).data.map((file: { id: string }) => file.id), [made[1], made[3]]);
    // The SDK's own pagination walks the same cursor.
    const walked: string[] = [];
    for await (const file of owner.files.list({ limit: 2, order: 'asc' })) walked.push(file.id);
    assert.deepEqual(walked, made);
  });

  describe('bad requests: exact status, code and param, nothing stored', () => {
    const file = (content: Buffer = jsonl(2)) => ({ name: 'file', filename: 'in.jsonl', content });
    const cases: Array<{ name: string; method?: string; path?: string; headers?: Record<string, string>; body?: Buffer; length?: boolean; status: number; code: string; param: string | null }> = [
      { name: 'file over FILE_MAX_BYTES (chunked)', ...multipart([file(Buffer.alloc(FILE_MAX_BYTES + 1, 'a')), { name: 'purpose', value: 'batch' }]), status: 413, code: 'payload_too_large', param: 'file' },
      { name: 'file over FILE_MAX_BYTES (Content-Length up front)', ...multipart([file(Buffer.alloc(FILE_MAX_BYTES + 200_000, 'a')), { name: 'purpose', value: 'batch' }]), length: true, status: 413, code: 'payload_too_large', param: 'file' },
      { name: 'missing purpose', ...multipart([file()]), status: 400, code: 'invalid_request', param: 'purpose' },
      { name: 'unknown purpose', ...multipart([file(), { name: 'purpose', value: 'homework' }]), status: 400, code: 'invalid_request', param: 'purpose' },
      { name: 'unknown purpose sent before the file', ...multipart([{ name: 'purpose', value: 'homework' }, file()]), status: 400, code: 'invalid_request', param: 'purpose' },
      { name: 'a purpose only Levee writes', ...multipart([file(), { name: 'purpose', value: 'batch_output' }]), status: 400, code: 'invalid_request', param: 'purpose' },
      { name: 'missing file', ...multipart([{ name: 'purpose', value: 'batch' }]), status: 400, code: 'invalid_request', param: 'file' },
      { name: 'empty file', ...multipart([file(Buffer.alloc(0)), { name: 'purpose', value: 'batch' }]), status: 400, code: 'invalid_request', param: 'file' },
      { name: 'file sent as a plain field', ...multipart([{ name: 'file', value: 'hello' }, { name: 'purpose', value: 'batch' }]), status: 400, code: 'invalid_request', param: 'file' },
      { name: 'two files', ...multipart([file(), file(), { name: 'purpose', value: 'batch' }]), status: 400, code: 'invalid_request', param: 'file' },
      { name: 'unknown field', ...multipart([file(), { name: 'purpose', value: 'batch' }, { name: 'colour', value: 'red' }]), status: 400, code: 'invalid_request', param: 'colour' },
      { name: 'expires_after out of range', ...multipart([file(), { name: 'purpose', value: 'batch' }, { name: 'expires_after[anchor]', value: 'created_at' }, { name: 'expires_after[seconds]', value: '60' }]), status: 400, code: 'invalid_request', param: 'expires_after.seconds' },
      { name: 'truncated multipart body', ...multipart([file(), { name: 'purpose', value: 'batch' }], { truncate: true }), status: 400, code: 'invalid_request', param: null },
      { name: 'multipart without a boundary', headers: { 'Content-Type': 'multipart/form-data' }, body: Buffer.from('x'), status: 400, code: 'invalid_request', param: null },
      // Found by test/fuzz/: the first was a 500, the second an uncaught exception that stopped Levee.
      { name: 'a part with no name', ...rawMultipart(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nbatch\r\n--${BOUNDARY}--\r\n`), status: 400, code: 'invalid_request', param: null },
      { name: 'a body that ends inside the file part', ...rawMultipart(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"a":1}\n`), status: 400, code: 'invalid_request', param: null },
      { name: 'a JSON body', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"purpose":"batch"}'), status: 415, code: 'unsupported_media_type', param: null },
      { name: 'unknown file id', method: 'GET', path: '/v1/files/file-00000000000000000000000000000000', status: 404, code: 'not_found', param: null },
      { name: 'malformed file id', method: 'GET', path: '/v1/files/..%2Fetc', status: 404, code: 'not_found', param: null },
      { name: 'content of an unknown id', method: 'GET', path: '/v1/files/file-00000000000000000000000000000000/content', status: 404, code: 'not_found', param: null },
      { name: 'delete of an unknown id', method: 'DELETE', path: '/v1/files/file-00000000000000000000000000000000', status: 404, code: 'not_found', param: null },
      { name: 'list limit 0', method: 'GET', path: '/v1/files?limit=0', status: 400, code: 'invalid_request', param: 'limit' },
      { name: 'list limit over 10000', method: 'GET', path: '/v1/files?limit=10001', status: 400, code: 'invalid_request', param: 'limit' },
      { name: 'list order sideways', method: 'GET', path: '/v1/files?order=sideways', status: 400, code: 'invalid_request', param: 'order' },
      { name: 'list purpose unknown', method: 'GET', path: '/v1/files?purpose=homework', status: 400, code: 'invalid_request', param: 'purpose' },
      { name: 'list after an unknown id', method: 'GET', path: '/v1/files?after=file-00000000000000000000000000000000', status: 400, code: 'invalid_request', param: 'after' },
      { name: 'list after a NUL (Postgres cannot take one; was a 500)', method: 'GET', path: '/v1/files?after=%00', status: 400, code: 'invalid_request', param: 'after' },
    ];
    let stored: string[];
    before(async () => {
      stored = await idsOf(ALICE);
    });

    for (const testCase of cases) {
      it(`${testCase.name} → ${testCase.status} ${testCase.code}${testCase.param ? ` (${testCase.param})` : ''}`, async () => {
        const answer = await send(levee.url, { method: testCase.method ?? 'POST', path: testCase.path ?? '/v1/files', key: ALICE, ...(testCase.headers ? { headers: testCase.headers } : {}), ...(testCase.body ? { body: testCase.body } : {}), ...(testCase.length ? { length: true } : {}) });
        assert.equal(answer.status, testCase.status, JSON.stringify(answer.body));
        assert.deepEqual(Object.keys(answer.body.error).sort(), ['code', 'message', 'param', 'request_id', 'type']);
        assert.equal(answer.body.error.code, testCase.code);
        assert.equal(answer.body.error.type, 'invalid_request_error');
        assert.equal(answer.body.error.param, testCase.param);
        assert.equal(answer.body.error.request_id, answer.headers['x-request-id']);
      });
    }

    it('stored none of them', async () => {
      assert.deepEqual(await idsOf(ALICE), stored);
    });

    it('refuses an oversized upload from the SDK with its 413 (not a reset connection)', async () => {
      await assert.rejects(sdk(ALICE).files.create({ file: await toFile(Buffer.alloc(FILE_MAX_BYTES + 1024 * 1024, 'b'), 'big.jsonl'), purpose: 'batch' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.status, 413);
        assert.equal(error.param, 'file');
        return true;
      });
      assert.deepEqual(await idsOf(ALICE), stored);
    });
  });
});

describe('file expiry', () => {
  let levee: LeveeProcess;
  before(async () => {
    levee = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { FILE_TTL_SECONDS: '1' } });
  });
  after(() => levee?.stop());

  it('reads an expired file as deleted, and purges it', async () => {
    // No API keys: every caller is the one shared owner.
    const client = new OpenAI({ baseURL: `${levee.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const created = await client.files.create({ file: await toFile(jsonl(2), 'short.jsonl'), purpose: 'batch' });
    assert.equal(created.expires_at, created.created_at + 1);
    await waitFor(async () => (await fetch(`${levee.url}/v1/files/${created.id}`)).status === 404, { what: 'the file to expire' });
    assert.equal((await fetch(`${levee.url}/v1/files/${created.id}/content`)).status, 404);
    assert.equal((await fetch(`${levee.url}/v1/files/${created.id}`, { method: 'DELETE' })).status, 404);
    // Listing triggers the purge (at most once per TTL here): the row goes, and the log says so.
    await waitFor(
      async () => {
        const listed = (await (await fetch(`${levee.url}/v1/files`)).json()) as { data: Array<{ id: string }> };
        assert.ok(!listed.data.some((file) => file.id === created.id));
        return levee.logs().find((line) => line.msg === 'expired files purged' && line.files === 1);
      },
      { what: 'the purge log line' },
    );
  });
});
