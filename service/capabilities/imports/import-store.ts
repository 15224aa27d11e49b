/**
 * The import-store capability: document imports into collections (a JSONL file of documents,
 * embedded and written in chunks), each owned by one client. Once the file validated, the import's
 * chunks are stored as byte ranges of the file (never the documents themselves: the file is
 * already stored), and each chunk is marked as it ends, so a restarted worker resumes with the
 * chunks still pending. One implementation, postgres-import-store.ts.
 */

export type ImportStatus = 'validating' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** At most this many problems are listed in `errors`; `counts.failed` counts them all. */
export const MAX_LISTED_IMPORT_ERRORS = 100;

/** One problem: a bad line of the file, a chunk that could not be written, or why the import failed. */
export interface ImportError {
  code: string;
  message: string;
  /** The field at fault in a bad line (`text`, `metadata.team`), else null. */
  param: string | null;
  /** 1-based line of the file; null when the problem is not one line's. */
  line: number | null;
}

export interface DocumentImport {
  id: string;
  owner: string;
  collection: string;
  fileId: string;
  status: ImportStatus;
  errors: ImportError[] | null;
  /** Epoch seconds; null until that step happened. */
  createdAt: number;
  inProgressAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  cancelledAt: number | null;
  /** total: the file's documents (its non-blank lines); failed: bad lines and documents of chunks that failed. */
  counts: { total: number; completed: number; failed: number };
  usage: { promptTokens: number; totalTokens: number };
}

/** Up to a hundred documents, written together (all or nothing). */
export interface ImportChunk {
  chunk: number;
  /** The file's lines holding this chunk's documents (1-based, ascending); lines between them are blank or bad. */
  lines: number[];
  /** Bytes `byteStart` up to `byteEnd` of the file hold these lines, the first starting at `byteStart`. */
  byteStart: number;
  byteEnd: number;
}

/** What validation found: the chunks to write, the documents counted, the bad lines. */
export interface ImportPlan {
  total: number;
  chunks: readonly ImportChunk[];
  /** Bad lines (counted failed). */
  failed: number;
  /** The first MAX_LISTED_IMPORT_ERRORS of them. */
  errors: readonly ImportError[];
}

/** How one chunk ended. */
export interface ChunkResult {
  completed: number;
  failed: number;
  error: ImportError | null;
  usage: { promptTokens: number; totalTokens: number };
}

export interface ImportPage {
  imports: DocumentImport[];
  hasMore: boolean;
}

export interface ImportStore {
  create(entry: { id: string; owner: string; collection: string; fileId: string }, signal: AbortSignal): Promise<DocumentImport>;
  /** Another owner's import answers undefined, like one that never existed. */
  get(owner: string, id: string, signal: AbortSignal): Promise<DocumentImport | undefined>;
  /** One owner's imports into one collection, newest first; `after` is the last id of the previous page (undefined when it names none of them). */
  list(owner: string, collection: string, query: { limit: number; after: string | undefined }, signal: AbortSignal): Promise<ImportPage | undefined>;
  /** The owner's imports not yet ended (validating, in progress), newest first, whatever the collection. */
  active(owner: string, limit: number, signal: AbortSignal): Promise<DocumentImport[]>;
  /**
   * Operators' view: the newest imports whoever owns them. An embedded store that nothing has
   * started answers none rather than start for a look (work left running starts it at boot).
   */
  recent(limit: number, signal: AbortSignal): Promise<DocumentImport[]>;
  /** For workers and operators: the import whoever owns it. */
  load(id: string, signal: AbortSignal): Promise<DocumentImport | undefined>;
  /** Validation passed: stores the chunks, counts and bad lines and moves to in_progress, in one transaction (only from validating). */
  start(id: string, plan: ImportPlan, signal: AbortSignal): Promise<void>;
  /** The import cannot go on (a file too large, the collection or file gone): failed, with this error first. */
  fail(id: string, error: ImportError, signal: AbortSignal): Promise<void>;
  /** Every chunk not yet ended, in file order. */
  pending(id: string, signal: AbortSignal): Promise<ImportChunk[]>;
  /** Marks the chunk ended and adds its counts (once: a chunk ended twice after a crash counts once); its error is listed while fewer than MAX_LISTED_IMPORT_ERRORS are. */
  finishChunk(id: string, chunk: number, result: ChunkResult, signal: AbortSignal): Promise<void>;
  /** in_progress → completed; false when the import was not in_progress. */
  complete(id: string, signal: AbortSignal): Promise<boolean>;
  /** validating or in_progress → cancelled (chunks already written stay); false when it had ended. */
  cancel(id: string, signal: AbortSignal): Promise<boolean>;
}
