import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { ByteRange, FileListQuery, FilePage, FileStore, NewFile, StoredFile } from '../../capabilities/files/file-store.ts';
import { LeveeError } from '../../errors.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { Files } from './files.ts';

const MiB = 1024 * 1024;

type Kept = StoredFile & { content: Buffer; ttlSeconds: number | undefined };

/** The store's contract in memory, recording what it was asked. */
class FakeFileStore implements FileStore {
  readonly files = new Map<string, Kept>();
  readonly reads: ByteRange[] = [];
  purges = 0;
  purgeAnswer: () => Promise<number> = async () => 0;

  async create(file: NewFile): Promise<StoredFile> {
    const createdAt = new Date();
    const expiresAt = file.ttlSeconds === undefined ? null : new Date(createdAt.getTime() + file.ttlSeconds * 1000);
    const stored = { id: file.id, owner: file.owner, filename: file.filename, purpose: file.purpose, bytes: file.content.length, createdAt, expiresAt, content: file.content, ttlSeconds: file.ttlSeconds };
    this.files.set(file.id, stored);
    return stored;
  }
  async get(owner: string, id: string): Promise<Kept | undefined> {
    const file = this.files.get(id);
    return file?.owner === owner ? file : undefined;
  }
  async content(owner: string, id: string, range: ByteRange): Promise<Buffer | undefined> {
    this.reads.push(range);
    const file = await this.get(owner, id);
    return file?.content.subarray(range.offset, range.offset + range.length);
  }
  async list(owner: string, query: FileListQuery): Promise<FilePage | undefined> {
    return { files: [...this.files.values()].filter((file) => file.owner === owner).slice(0, query.limit), hasMore: false };
  }
  async delete(owner: string, id: string): Promise<boolean> {
    return (await this.get(owner, id)) !== undefined && this.files.delete(id);
  }
  purgeExpired(): Promise<number> {
    this.purges += 1;
    return this.purgeAnswer();
  }
}

const signal = new AbortController().signal;

function setUp(options: { ttlSeconds?: number | undefined; maxBytes?: number } = {}) {
  const store = new FakeFileStore();
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const files = new Files({ store, maxBytes: options.maxBytes ?? 64 * MiB, ttlSeconds: 'ttlSeconds' in options ? options.ttlSeconds : 3_600, logger });
  const upload = (client: string | undefined, content: Buffer, fields: Record<string, string> = { purpose: 'batch' }) => {
    const parts = files.newUpload();
    parts.startFile('file', 'in.jsonl');
    parts.append(content);
    parts.endFile();
    for (const [name, value] of Object.entries(fields)) parts.field(name, value);
    return files.upload(client, parts, signal);
  };
  return { store, files, lines, upload };
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

describe('Files', () => {
  it("stores each client's files under its key's name, and open access under one shared owner", async () => {
    const { store, files, upload } = setUp();
    const alice = await upload('alice', Buffer.from('a'));
    const open = await upload(undefined, Buffer.from('b'));
    assert.equal(store.files.get(alice.id)?.owner, 'alice');
    assert.equal(store.files.get(open.id)?.owner, '');
    assert.match(alice.id, /^file-[0-9a-f]{32}$/);
    assert.deepEqual(await files.retrieve('alice', alice.id, signal), alice);
    await assert.rejects(files.retrieve('bob', alice.id, signal), (error: unknown) => error instanceof LeveeError && error.status === 404);
    await assert.rejects(files.delete(undefined, alice.id, signal), (error: unknown) => error instanceof LeveeError && error.status === 404);
    assert.deepEqual(await files.delete('alice', alice.id, signal), { id: alice.id, object: 'file', deleted: true });
  });

  it("keeps a file for the shorter of FILE_TTL_SECONDS and the client's expires_after", async () => {
    const expiring = { purpose: 'batch', 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '7200' };
    const ttlOf = async (ttlSeconds: number | undefined, fields?: Record<string, string>) => {
      const { store, upload } = setUp({ ttlSeconds });
      return store.files.get((await upload('c', Buffer.from('x'), fields)).id)?.ttlSeconds;
    };
    assert.equal(await ttlOf(3_600), 3_600);
    assert.equal(await ttlOf(3_600, expiring), 3_600);
    assert.equal(await ttlOf(86_400, expiring), 7_200);
    assert.equal(await ttlOf(undefined, expiring), 7_200);
    assert.equal(await ttlOf(undefined), undefined);
  });

  it('streams content a store call per 4 MiB, the first read before answering', async () => {
    const { store, files, upload } = setUp();
    const content = Buffer.alloc(9 * MiB + 5);
    for (let index = 0; index < content.length; index += 4099) content[index] = index % 251;
    const created = await upload('alice', content);
    const answer = await files.content('alice', created.id, signal);
    assert.equal(answer.bytes, content.length);
    assert.deepEqual(store.reads, [{ offset: 0, length: 4 * MiB }], 'the first piece is read up front');
    const chunks = await collect(answer.chunks);
    assert.deepEqual(chunks.map((chunk) => chunk.length), [4 * MiB, 4 * MiB, MiB + 5]);
    assert.ok(Buffer.concat(chunks).equals(content));
  });

  it('fails before answering when the store cannot read, and mid-stream when the file goes away', async () => {
    const { store, files, upload } = setUp();
    const created = await upload('alice', Buffer.alloc(5 * MiB));
    const broken = mock.method(store, 'content', async () => {
      throw new Error('store down');
    });
    await assert.rejects(files.content('alice', created.id, signal), /store down/);
    broken.mock.restore();

    const answer = await files.content('alice', created.id, signal);
    store.files.delete(created.id);
    await assert.rejects(collect(answer.chunks), (error: unknown) => error instanceof LeveeError && error.status === 404);
  });

  it('writes output files for a client, listed and read like its uploads', async () => {
    const { files } = setUp();
    const output = await files.createOutputFile('alice', 'batch_output', 'batch_1_output.jsonl', Buffer.from('{"id":"r"}\n'), signal);
    assert.equal(output.purpose, 'batch_output');
    assert.equal(output.expires_at, output.created_at + 3_600);
    assert.deepEqual((await files.list('alice', { purpose: 'batch_output' }, signal)).data, [output]);
    assert.equal(Buffer.concat(await collect((await files.content('alice', output.id, signal)).chunks)).toString(), '{"id":"r"}\n');
  });

  it('purges expired files in the background at most once per interval, sooner after a full batch, and logs it', async (context) => {
    context.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { store, files, lines, upload } = setUp({ ttlSeconds: 10 });
    store.purgeAnswer = async () => 3;
    await upload('a', Buffer.from('x'));
    await files.list('a', {}, signal);
    assert.equal(store.purges, 1, 'once per interval (here the 10 s TTL)');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(lines.filter((line) => line.msg === 'expired files purged').map((line) => line.files), [3]);

    context.mock.timers.tick(10_000);
    store.purgeAnswer = async () => 100;
    await files.list('a', {}, signal);
    assert.equal(store.purges, 2);
    await new Promise((resolve) => setImmediate(resolve));
    await files.list('a', {}, signal);
    assert.equal(store.purges, 3, 'a full batch leaves more: the next call purges again');

    await new Promise((resolve) => setImmediate(resolve));
    store.purgeAnswer = async () => {
      throw new Error('store down');
    };
    await files.list('a', {}, signal);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(lines.some((line) => line.msg === 'purging expired files failed; will try again'));
  });
});
