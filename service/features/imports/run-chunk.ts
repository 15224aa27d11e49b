/**
 * One chunk of an import: its lines read back from the file by byte range, embedded through the
 * resilient LLM path as background work (every provider call yields to interactive ones), and
 * written with the upsert's own store call, all or nothing. Failures are sorted as the batch lines'
 * are: "not now" pauses the import, a chunk's own bad luck runs it again, the rest fail it.
 */
import type { FileStore } from '../../capabilities/files/file-store.ts';
import type { ChunkResult, ImportChunk, ImportError } from '../../capabilities/imports/import-store.ts';
import type { CollectionRow } from '../../capabilities/vector-store/vector-store.ts';
import { LeveeError, toLeveeError } from '../../errors.ts';
import { Deadline } from '../../resilience/deadline.ts';
import { asBackground } from '../../resilience/priority.ts';
import { embedTexts } from '../retrieval/embed-texts.ts';
import type { RetrievalDeps } from '../retrieval/retrieval-deps.ts';
import { parseDocumentLine, readLines, type ImportDocument } from './import-lines.ts';

export interface ChunkRunner {
  retrieval: Pick<RetrievalDeps, 'store' | 'llm' | 'embeddings'>;
  files: FileStore;
  /** Each chunk's embedding deadline (REQUEST_TIMEOUT_MS, as an interactive upsert's). */
  timeoutMs: number;
}

/** "Not now" (a breaker open, a rate limit, a quota): the import waits until it passes. */
const PAUSE_IMPORT = new Set<LeveeError['code']>(['dependency_unavailable', 'upstream_rate_limited', 'upstream_quota_exhausted']);

/**
 * `done`: written; `pause`: wait, then run it again (not a failure); `yield`: the same, briefly (a
 * full bulkhead, or background work yielding to interactive calls); `retry`: run it again, a few
 * times at most; `fail`: give up on this chunk; `stop`: the import cannot go on (file or collection
 * gone, vectors of another size than the collection's).
 */
export type ChunkOutcome = { kind: 'done'; result: ChunkResult } | { kind: 'pause' | 'yield' | 'retry' | 'fail'; error: LeveeError } | { kind: 'stop'; error: ImportError };

export async function runChunk(runner: ChunkRunner, source: { owner: string; fileId: string }, collection: CollectionRow, chunk: ImportChunk, signal: AbortSignal): Promise<ChunkOutcome> {
  try {
    const documents = await readChunk(runner.files, source, chunk, signal);
    if (!documents) return { kind: 'stop', error: { code: 'file_not_found', message: `The file ${source.fileId} no longer exists (deleted or expired).`, param: null, line: null } };
    const { vectors, usage } = await embed(runner, collection, documents, signal);
    const rows = documents.map((document, index) => ({ id: document.id, text: document.text, metadata: document.metadata ?? {}, embedding: vectors[index]! }));
    const written = await runner.retrieval.store.upsertDocuments(collection, rows, signal);
    if (!written) return { kind: 'stop', error: { code: 'collection_not_found', message: `The collection '${collection.name}' was deleted during the import.`, param: null, line: null } };
    return { kind: 'done', result: { completed: rows.length, failed: 0, error: null, usage: { promptTokens: usage.prompt_tokens, totalTokens: usage.total_tokens } } };
  } catch (error) {
    if (signal.aborted) throw error;
    const levee = toLeveeError(error);
    // The model's vectors do not fit the collection: every chunk would fail the same way.
    if (levee.code === 'dimension_mismatch') return { kind: 'stop', error: { code: levee.code, message: levee.message, param: null, line: null } };
    if (levee.code === 'dependency_saturated') return { kind: 'yield', error: levee };
    if (PAUSE_IMPORT.has(levee.code)) return { kind: 'pause', error: levee };
    return { kind: levee.retryable ? 'retry' : 'fail', error: levee };
  }
}

/** The chunk's documents, read again from the file; undefined when the file is gone. */
async function readChunk(files: FileStore, source: { owner: string; fileId: string }, chunk: ImportChunk, signal: AbortSignal): Promise<ImportDocument[] | undefined> {
  const length = chunk.byteEnd - chunk.byteStart;
  const content = await files.content(source.owner, source.fileId, { offset: chunk.byteStart, length }, signal);
  if (!content) return undefined;
  const wanted = new Set(chunk.lines);
  const documents: ImportDocument[] = [];
  const read = async () => content;
  for await (const line of readLines(read, { offset: chunk.byteStart, end: chunk.byteEnd, firstLine: chunk.lines[0]!, pieceBytes: length })) {
    if (!wanted.has(line.line)) continue;
    const parsed = parseDocumentLine(line.text);
    if ('document' in parsed) documents.push(parsed.document);
  }
  // Files never change once stored: anything else is a fault of ours, not the client's.
  if (documents.length !== chunk.lines.length) throw new LeveeError('internal_error', 'The import file does not read back as it validated.', { details: { chunk: chunk.chunk } });
  return documents;
}

async function embed(runner: ChunkRunner, collection: CollectionRow, documents: readonly ImportDocument[], signal: AbortSignal) {
  const deadline = new Deadline(runner.timeoutMs);
  // The worker stopping (shutdown) ends the chunk's calls like a client leaving.
  const stop = () => deadline.clientClosed();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const { llm, embeddings } = runner.retrieval;
    return await asBackground(() => embedTexts(llm, embeddings, collection, documents.map((document) => document.text), deadline.signal));
  } finally {
    signal.removeEventListener('abort', stop);
    deadline.release();
  }
}
