/**
 * The batch-store capability: OpenAI Batch API objects and their lines, each batch owned by one
 * client. Lines are stored once the input file validated, and each is marked done as its answer
 * arrives, so a restarted worker resumes with the lines still pending and never runs a finished
 * `custom_id` again. The lines are split into chunks, each run by one worker at a time (a job of
 * its own), so the workers of every replica sharing the Postgres take part in one batch. One
 * implementation, postgres-batch-store.ts.
 */

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** One problem with the input file, as OpenAI lists it in `errors.data`. */
export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface Batch {
  id: string;
  owner: string;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  status: BatchStatus;
  errors: BatchError[] | null;
  outputFileId: string | null;
  errorFileId: string | null;
  /** Epoch seconds, as the API shows them; null until that step happened. */
  createdAt: number;
  inProgressAt: number | null;
  expiresAt: number;
  finalizingAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  expiredAt: number | null;
  cancellingAt: number | null;
  cancelledAt: number | null;
  counts: { total: number; completed: number; failed: number };
  /** The job that moved the batch to finalizing (it alone writes the output files); null before. */
  finalizedBy: string | null;
}

/** A slice of a batch's lines, in file order, run by one worker at a time. */
export interface BatchChunk {
  chunk: number;
  /** File line numbers, both included. */
  firstLine: number;
  lastLine: number;
  state: 'queued' | 'running' | 'done';
}

/** One request line of the input file. */
export interface BatchLineInput {
  /** 1-based, as in the file. */
  line: number;
  customId: string;
  body: Record<string, unknown>;
}

/** A line's outcome: the answer the endpoint gave (any status), or an error that kept it from running. */
export interface BatchLineResult {
  line: number;
  statusCode: number | null;
  requestId: string;
  body: unknown;
  error: { code: string; message: string } | null;
}

/** A finished line, for the output and error files. */
export interface FinishedLine extends BatchLineResult {
  customId: string;
}

export interface BatchPage {
  batches: Batch[];
  hasMore: boolean;
}

export interface BatchStore {
  create(batch: Omit<Batch, 'finalizedBy' | 'errors' | 'outputFileId' | 'errorFileId' | 'inProgressAt' | 'finalizingAt' | 'completedAt' | 'failedAt' | 'expiredAt' | 'cancellingAt' | 'cancelledAt' | 'counts' | 'status'>, signal: AbortSignal): Promise<Batch>;
  /** Another owner's batch answers undefined, like one that never existed. */
  get(owner: string, id: string, signal: AbortSignal): Promise<Batch | undefined>;
  /** The owner's batches not yet ended (validating, in progress, finalizing, cancelling), newest first. */
  active(owner: string, limit: number, signal: AbortSignal): Promise<Batch[]>;
  /**
   * Operators' view: the newest batches whoever owns them. An embedded store that nothing has
   * started answers none rather than start for a look (work left running starts it at boot).
   */
  recent(limit: number, signal: AbortSignal): Promise<Batch[]>;
  /** For workers and operators: the batch whoever owns it. */
  load(id: string, signal: AbortSignal): Promise<Batch | undefined>;
  /** Newest first; `after` is the last id of the previous page (undefined when it names none of this owner's). */
  list(owner: string, query: { limit: number; after: string | undefined }, signal: AbortSignal): Promise<BatchPage | undefined>;
  /** Validation passed: stores every line and moves to in_progress, in one transaction. */
  start(id: string, lines: readonly BatchLineInput[], signal: AbortSignal): Promise<void>;
  /** Validation failed: moves to failed with OpenAI's `errors.data`. */
  fail(id: string, errors: readonly BatchError[], signal: AbortSignal): Promise<void>;
  /** Splits the lines into chunks of `linesPerChunk` the first time (later calls keep the split); every chunk, in order. */
  chunks(id: string, linesPerChunk: number, signal: AbortSignal): Promise<BatchChunk[]>;
  /**
   * A worker takes a chunk: `running` while the batch is in progress and within its window;
   * otherwise the chunk is `done` (it will never run). Undefined when it was done already.
   */
  claimChunk(id: string, chunk: number, signal: AbortSignal): Promise<BatchChunk | undefined>;
  /** The chunk's worker is through with it: `done`, or `queued` again when it stopped early (shutdown). */
  endChunk(id: string, chunk: number, state: 'done' | 'queued', signal: AbortSignal): Promise<void>;
  /**
   * Moves the batch to finalizing once nothing more will run — no chunk running, and the batch
   * cancelled, past its window or without a pending line — recording `finalizer`; false when it
   * is not time yet or the batch is not in progress (another worker closed it).
   */
  close(id: string, finalizer: string, signal: AbortSignal): Promise<boolean>;
  /** Up to `limit` lines still pending, in file order, within `lines` (a chunk's), skipping `exclude` (lines in flight here). */
  pending(id: string, limit: number, exclude: readonly number[], lines: { first: number; last: number }, signal: AbortSignal): Promise<BatchLineInput[]>;
  /** Records finished lines and the counts; `failed` says which of them count as failed. */
  finish(id: string, results: ReadonlyArray<BatchLineResult & { failed: boolean }>, signal: AbortSignal): Promise<void>;
  /** Every finished line in file order, for the output files. */
  finished(id: string, signal: AbortSignal): Promise<FinishedLine[]>;
  /** A status change with its timestamp (and, when done, the output files); false when the batch was not in one of `from`. */
  transition(id: string, from: readonly BatchStatus[], to: BatchStatus, files?: { outputFileId: string | null; errorFileId: string | null }, signal?: AbortSignal): Promise<boolean>;
}
