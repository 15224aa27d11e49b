/**
 * The file-store capability: uploaded files (the OpenAI Files API) and files Levee writes itself
 * (batch output), each owned by one client. One implementation, postgres-file-store.ts (a table
 * on the embedded PGlite or a real PostgreSQL). Every method runs under the store's policies and
 * honours the signal.
 *
 * Reads never see another owner's file, nor an expired one: both answer `undefined`, exactly like
 * a file that never existed, so callers cannot tell them apart (and cannot leak that they exist).
 */

/** A file's metadata; its content is read in ranges with `FileStore.content`. */
export interface StoredFile {
  /** `file-…`, chosen by the caller. */
  id: string;
  /** The client key's name; '' when Levee runs without API keys. */
  owner: string;
  filename: string;
  purpose: string;
  /** The content's size in bytes. */
  bytes: number;
  createdAt: Date;
  /** Null: never expires. */
  expiresAt: Date | null;
}

export interface NewFile {
  id: string;
  owner: string;
  filename: string;
  purpose: string;
  content: Buffer;
  /** Expires this many seconds after it is stored (by the store's clock); undefined: never. */
  ttlSeconds: number | undefined;
}

/** Bytes `offset` up to `offset + length` of a file's content (fewer at its end). */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface FileListQuery {
  /** Only files of this purpose; undefined: all. */
  purpose: string | undefined;
  limit: number;
  /** By creation time, then id. */
  order: 'asc' | 'desc';
  /** The id of the last file of the previous page. */
  after: string | undefined;
}

export interface FilePage {
  files: StoredFile[];
  hasMore: boolean;
}

export interface FileStore {
  /** Stores the file; a retried call with the same id returns the stored one. */
  create(file: NewFile, signal: AbortSignal): Promise<StoredFile>;
  get(owner: string, id: string, signal: AbortSignal): Promise<StoredFile | undefined>;
  /**
   * A range of the content (empty past its end; the whole file with `{ offset: 0, length: bytes }`);
   * undefined whenever get would answer undefined. Streaming readers ask for a few MiB per call,
   * so no call holds the store long.
   */
  content(owner: string, id: string, range: ByteRange, signal: AbortSignal): Promise<Buffer | undefined>;
  /** Undefined when `after` names no file of this owner (deleted, or never there). */
  list(owner: string, query: FileListQuery, signal: AbortSignal): Promise<FilePage | undefined>;
  /** False when get would have answered undefined. */
  delete(owner: string, id: string, signal: AbortSignal): Promise<boolean>;
  /** Deletes at most `limit` expired files, oldest expiry first; returns how many it deleted. */
  purgeExpired(limit: number, signal: AbortSignal): Promise<number>;
}
