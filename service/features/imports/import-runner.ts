/**
 * Runs one import to its end, as a job of the queue: validates the file (storing its chunks, or
 * failing the import), then writes the pending chunks a few at a time, marking each as it ends.
 * Safe to run again after a crash: chunks already ended are skipped, and a chunk in flight then
 * is written again (harmless: documents are upserted by id).
 *
 * A chunk that meets "not now" (an open breaker, a rate limit, a saturated provider or store) goes
 * back in the queue and the import pauses, backing off, until it passes: an import waits out an
 * outage, it does not fail its documents for it. A chunk that failed on its own (the provider's
 * errors after its retries) runs again, MAX_CHUNK_ATTEMPTS times in all, then is listed in
 * `errors` and its documents counted failed. An operator's cancel is seen within a status poll:
 * no new chunk starts, and the chunks running then end and are kept.
 */
import type { FileStore } from '../../capabilities/files/file-store.ts';
import type { DocumentImport, ImportChunk, ImportError, ImportStore } from '../../capabilities/imports/import-store.ts';
import type { CollectionRow } from '../../capabilities/vector-store/vector-store.ts';
import type { LeveeError } from '../../errors.ts';
import { sleep } from '../../resilience/sleep.ts';
import { WorkPause } from '../jobs/work-pause.ts';
import { readLines } from './import-lines.ts';
import { planImport, type PlanLimits } from './import-plan.ts';
import { runChunk, type ChunkOutcome, type ChunkRunner } from './run-chunk.ts';

export interface ImportRunnerDeps extends ChunkRunner {
  store: ImportStore;
  files: FileStore;
  limits: PlanLimits;
  /** Chunks of one import in flight at once. */
  concurrency: number;
  /** Bytes per read while validating the file. */
  readBytes: number;
  /** Told when the import's stored state changed (status, counts): live notifications. */
  onChange?: (importId: string) => void;
  /** Told of documents as they end, for metrics. */
  onDocuments?: (result: 'completed' | 'failed', count: number) => void;
  /** Waits after chunks met an outage, doubling from the first to the last (ms); default work-pause.ts's 1 s to 15 s. */
  pauseMs?: { first: number; max: number };
}

/** How often a running import re-reads its status (a cancel is seen within this). */
const STATUS_POLL_MS = 500;
/** Runs of a chunk that failed on its own (its calls' retries spent) before it is given up on. */
const MAX_CHUNK_ATTEMPTS = 3;

/** Thrown by the validation's reads when the file is gone. */
class FileGoneError extends Error {}

export async function runImport(deps: ImportRunnerDeps, importId: string, signal: AbortSignal): Promise<void> {
  let entry = await deps.store.load(importId, signal);
  if (!entry) return;
  if (entry.status === 'validating') entry = await validate(deps, entry, signal);
  if (entry.status !== 'in_progress') return;
  const collection = await deps.retrieval.store.findCollection(entry.collection, signal);
  const stopped = collection ? await runChunks(deps, entry, collection, signal) : collectionGone(entry.collection);
  if (stopped) await deps.store.fail(entry.id, stopped, signal);
  else await deps.store.complete(entry.id, signal);
  deps.onChange?.(entry.id);
}

async function validate(deps: ImportRunnerDeps, entry: DocumentImport, signal: AbortSignal): Promise<DocumentImport> {
  const fileGone: ImportError = { code: 'file_not_found', message: `The file ${entry.fileId} no longer exists (deleted or expired).`, param: null, line: null };
  const file = await deps.files.get(entry.owner, entry.fileId, signal);
  if (!file) {
    await deps.store.fail(entry.id, fileGone, signal);
  } else {
    const read = async (offset: number, length: number) => {
      const piece = await deps.files.content(entry.owner, file.id, { offset, length }, signal);
      if (!piece) throw new FileGoneError();
      return piece;
    };
    try {
      const plan = await planImport(readLines(read, { offset: 0, end: file.bytes, firstLine: 1, pieceBytes: deps.readBytes }), deps.limits);
      if ('error' in plan) {
        await deps.store.fail(entry.id, plan.error, signal);
      } else {
        await deps.store.start(entry.id, plan, signal);
        if (plan.failed > 0) deps.onDocuments?.('failed', plan.failed);
      }
    } catch (error) {
      if (!(error instanceof FileGoneError)) throw error;
      await deps.store.fail(entry.id, fileGone, signal);
    }
  }
  deps.onChange?.(entry.id);
  return (await deps.store.load(entry.id, signal)) ?? entry;
}

/** Runs the pending chunks until each has ended; answers why the import had to stop, if it did. */
async function runChunks(deps: ImportRunnerDeps, entry: DocumentImport, collection: CollectionRow, signal: AbortSignal): Promise<ImportError | undefined> {
  const queue = await deps.store.pending(entry.id, signal);
  const attempts = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  let stopped: ImportError | undefined;
  let thrown: { error: unknown } | undefined;
  const pause = new WorkPause(deps.pauseMs);
  let polledAt = Date.now();

  const settle = async (chunk: ImportChunk, outcome: ChunkOutcome) => {
    if (outcome.kind === 'stop') {
      stopped ??= outcome.error;
    } else if (outcome.kind === 'done') {
      await deps.store.finishChunk(entry.id, chunk.chunk, outcome.result, signal);
      deps.onChange?.(entry.id);
      deps.onDocuments?.('completed', outcome.result.completed);
      pause.succeeded();
    } else if (outcome.kind === 'pause' || outcome.kind === 'yield') {
      queue.unshift(chunk);
      pause.refused(outcome.kind === 'yield' ? 'yield' : 'outage');
    } else {
      const tries = (attempts.get(chunk.chunk) ?? 0) + 1;
      attempts.set(chunk.chunk, tries);
      if (outcome.kind === 'retry' && tries < MAX_CHUNK_ATTEMPTS) {
        queue.push(chunk);
        return;
      }
      await deps.store.finishChunk(entry.id, chunk.chunk, failedChunk(chunk, outcome.error), signal);
      deps.onChange?.(entry.id);
      deps.onDocuments?.('failed', chunk.lines.length);
    }
  };

  while ((queue.length > 0 || inFlight.size > 0) && !stopped && !thrown && !signal.aborted) {
    if (Date.now() - polledAt >= STATUS_POLL_MS) {
      polledAt = Date.now();
      if ((await deps.store.load(entry.id, signal))?.status !== 'in_progress') break;
    }
    const paused = pause.paused();
    while (!paused && inFlight.size < deps.concurrency && queue.length > 0) {
      const chunk = queue.shift()!;
      const running: Promise<void> = runChunk(deps, entry, collection, chunk, signal)
        .then((outcome) => settle(chunk, outcome))
        .catch((error: unknown) => {
          thrown ??= { error };
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    // Wake when a chunk ends, for the next status poll, or when a pause is over.
    const waitMs = Math.max(1, Math.min(STATUS_POLL_MS, paused ? pause.until - Date.now() : STATUS_POLL_MS));
    await Promise.race([...inFlight, sleep(waitMs, signal).catch(() => undefined)]);
  }
  // Stopping, stopped or cancelled: chunks already running end (and are recorded) first.
  await Promise.allSettled(inFlight);
  signal.throwIfAborted();
  if (thrown) throw thrown.error;
  return stopped;
}

function failedChunk(chunk: ImportChunk, error: LeveeError) {
  const first = chunk.lines[0]!;
  const last = chunk.lines.at(-1)!;
  return {
    completed: 0,
    failed: chunk.lines.length,
    error: { code: error.code, message: `Lines ${first} to ${last} (${chunk.lines.length} documents) were not imported: ${error.message}`, param: null, line: first },
    usage: { promptTokens: 0, totalTokens: 0 },
  };
}

function collectionGone(name: string): ImportError {
  return { code: 'collection_not_found', message: `The collection '${name}' no longer exists.`, param: null, line: null };
}
