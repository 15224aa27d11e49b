/**
 * The Files API's use cases: upload, list, retrieve, content, delete, and the files Levee writes
 * itself (batch output). Each file belongs to one client (the API key's name; all callers share
 * one owner when keys are off): another client's file is answered 404, exactly like a missing
 * or expired one. Expired files are purged in bounded batches, piggybacking on uploads and
 * listings at most once a minute, so a Levee that never uses files never starts its store for them.
 */
import { randomBytes } from 'node:crypto';
import type { FileStore, StoredFile } from '../../capabilities/files/file-store.ts';
import { InvalidRequestError } from '../../errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { fileNotFound, parseFileId, parseListQuery, type OutputPurpose } from './file-requests.ts';
import { FileUpload, type ValidUpload } from './file-upload.ts';

/** The one owner every caller shares when API keys are off ('' is no key's name). */
const SHARED_OWNER = '';
/** Content is read from the store this much per call (one stored piece on Postgres), interleaved with other calls. */
const CONTENT_READ_BYTES = 4 * 1024 * 1024;
/** Expired files deleted per purge call, so one purge never holds the store long. */
const PURGE_BATCH = 100;
const PURGE_INTERVAL_MS = 60_000;
const PURGE_TIMEOUT_MS = 30_000;

export interface FilesOptions {
  store: FileStore;
  /** FILE_MAX_BYTES. */
  maxBytes: number;
  /** FILE_TTL_SECONDS; undefined: files never expire (unless the client asks). */
  ttlSeconds: number | undefined;
  logger: Logger;
}

/** A file as the API shows it. */
function fileObject(file: StoredFile) {
  return {
    id: file.id,
    object: 'file' as const,
    bytes: file.bytes,
    created_at: unixSeconds(file.createdAt),
    expires_at: file.expiresAt === null ? null : unixSeconds(file.expiresAt),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed' as const,
  };
}

export type FileObject = ReturnType<typeof fileObject>;

/** What GET /v1/files/{id}/content answers: the size up front, the bytes as they are read. */
export interface FileContent {
  bytes: number;
  filename: string;
  chunks: AsyncIterable<Buffer>;
}

export class Files {
  /** FILE_MAX_BYTES: the edge refuses a body that announces more before reading it. */
  readonly maxBytes: number;
  readonly #store: FileStore;
  readonly #ttlSeconds: number | undefined;
  readonly #logger: Logger;
  readonly #purgeIntervalMs: number;
  #lastPurgeAt = Number.NEGATIVE_INFINITY;
  #purging = false;

  constructor(options: FilesOptions) {
    this.#store = options.store;
    this.maxBytes = options.maxBytes;
    this.#ttlSeconds = options.ttlSeconds;
    this.#logger = options.logger;
    this.#purgeIntervalMs = Math.min(PURGE_INTERVAL_MS, (options.ttlSeconds ?? Number.POSITIVE_INFINITY) * 1000);
  }

  /** A new upload to feed multipart parts into; `upload` stores it once complete. */
  newUpload(): FileUpload {
    return new FileUpload(this.maxBytes);
  }

  /** POST /v1/files, once the parts are read. */
  async upload(client: string | undefined, upload: FileUpload, signal: AbortSignal): Promise<FileObject> {
    const valid: ValidUpload = upload.finish();
    this.#purgeSometimes();
    const ttlSeconds = minDefined(this.#ttlSeconds, valid.expiresAfterSeconds);
    return fileObject(await this.#store.create({ id: newFileId(), owner: ownerOf(client), filename: valid.filename, purpose: valid.purpose, content: valid.content, ttlSeconds }, signal));
  }

  /**
   * A file Levee writes for a client (a batch's output or errors): stored like an upload, with
   * the server's TTL, and listed, read and deleted by that client like its own uploads.
   */
  async createOutputFile(client: string | undefined, purpose: OutputPurpose, filename: string, content: Buffer, signal: AbortSignal): Promise<FileObject> {
    this.#purgeSometimes();
    const file = await this.#store.create({ id: newFileId(), owner: ownerOf(client), filename, purpose, content, ttlSeconds: this.#ttlSeconds }, signal);
    return fileObject(file);
  }

  /** GET /v1/files: the caller's files, newest first unless `order=asc`; `query` is the URL's. */
  async list(client: string | undefined, query: unknown, signal: AbortSignal) {
    const request = parseListQuery(query);
    this.#purgeSometimes();
    const page = await this.#store.list(ownerOf(client), request, signal);
    if (!page) throw new InvalidRequestError(`Invalid 'after': no file '${request.after?.slice(0, 128)}' to list after.`, 'after');
    const data = page.files.map(fileObject);
    return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
  }

  /** GET /v1/files/{id} */
  async retrieve(client: string | undefined, id: string, signal: AbortSignal): Promise<FileObject> {
    const file = await this.#store.get(ownerOf(client), parseFileId(id), signal);
    if (!file) throw fileNotFound(id);
    return fileObject(file);
  }

  /**
   * GET /v1/files/{id}/content. The first piece is read before this resolves, so a missing file or
   * an unavailable store is an ordinary error response; the rest is read, CONTENT_READ_BYTES per
   * store call, as the client takes it. A file deleted or expired while it is read ends the stream with an
   * error (the client sees fewer bytes than announced).
   */
  async content(client: string | undefined, id: string, signal: AbortSignal): Promise<FileContent> {
    const owner = ownerOf(client);
    const file = await this.#store.get(owner, parseFileId(id), signal);
    if (!file) throw fileNotFound(id);
    const read = async (offset: number) => {
      const data = await this.#store.content(owner, file.id, { offset, length: CONTENT_READ_BYTES }, signal);
      if (!data) throw fileNotFound(id);
      return data;
    };
    const first = await read(0);
    async function* pieces(): AsyncGenerator<Buffer> {
      let offset = first.length;
      if (offset > 0) yield first;
      while (offset < file!.bytes) {
        const data = await read(offset);
        if (data.length === 0) throw new Error(`file ${file!.id} is shorter than its ${file!.bytes} bytes`);
        offset += data.length;
        yield data;
      }
    }
    return { bytes: file.bytes, filename: file.filename, chunks: pieces() };
  }

  /** DELETE /v1/files/{id} */
  async delete(client: string | undefined, id: string, signal: AbortSignal) {
    const deleted = await this.#store.delete(ownerOf(client), parseFileId(id), signal);
    if (!deleted) throw fileNotFound(id);
    return { id, object: 'file' as const, deleted: true as const };
  }

  /**
   * Deletes a batch of expired files in the background, at most once a minute (once per TTL when
   * that is shorter; at once again when the last batch was full). Its failures are logged, never
   * the caller's.
   */
  #purgeSometimes(): void {
    const now = Date.now();
    if (this.#purging || now - this.#lastPurgeAt < this.#purgeIntervalMs) return;
    this.#purging = true;
    this.#lastPurgeAt = now;
    this.#store
      .purgeExpired(PURGE_BATCH, AbortSignal.timeout(PURGE_TIMEOUT_MS))
      .then((purged) => {
        if (purged > 0) this.#logger.info({ files: purged }, 'expired files purged');
        if (purged === PURGE_BATCH) this.#lastPurgeAt = Number.NEGATIVE_INFINITY;
      })
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'purging expired files failed; will try again'))
      .finally(() => (this.#purging = false));
  }
}

/** `file-` and 128 random bits in hex. */
function newFileId(): string {
  return `file-${randomBytes(16).toString('hex')}`;
}

function ownerOf(client: string | undefined): string {
  return client ?? SHARED_OWNER;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
