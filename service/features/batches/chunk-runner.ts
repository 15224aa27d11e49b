/**
 * One chunk of a batch, as a job of its own: runs the chunk's pending lines a few at a time,
 * recording each answer as it arrives; the last chunk to end closes the batch (batch-runner.ts).
 * Safe to run again after a crash: finished lines are never run twice, only the ones in flight then.
 *
 * Lines that meet "not now" (an open breaker, a rate limit, a quota) stay pending and the chunk
 * pauses, backing off, until they pass or the completion window ends (`expired`, with what
 * finished kept); a line a failing provider answered 5xx after its own retries runs again later,
 * up to MAX_LINE_RETRIES times. A cancel is seen within a status poll and stops new lines at once.
 */
import type { Batch, BatchLineInput, BatchLineResult } from '../../capabilities/batches/batch-store.ts';
import { sleep } from '../../resilience/sleep.ts';
import { WorkPause } from '../jobs/work-pause.ts';
import { closeIfOver, type BatchRunnerDeps } from './batch-runner.ts';
import { runLine, type BatchEndpoint } from './run-line.ts';

/** How often a running chunk re-reads its batch's status (a cancel is seen within this). */
const STATUS_POLL_MS = 500;
/** Lines read ahead of the ones running. */
const PREFETCH_LINES = 64;
/** Runs again of a line whose provider failed it (its own retries spent), before its error is its answer. */
const MAX_LINE_RETRIES = 5;

/** `jobId`: this job's id, which a retry of it keeps. */
export async function runChunk(deps: BatchRunnerDeps, batchId: string, chunkNumber: number, jobId: string, signal: AbortSignal): Promise<void> {
  const batch = await deps.store.load(batchId, signal);
  if (!batch) return;
  const chunk = await deps.store.claimChunk(batchId, chunkNumber, signal);
  if (chunk?.state === 'running') {
    let over = false;
    try {
      await runLines(deps, batch, { first: chunk.firstLine, last: chunk.lastLine }, signal);
      over = true;
    } finally {
      // Stopped early (shutdown): handed back for the queue's retry, here or on another replica.
      await deps.store.endChunk(batchId, chunkNumber, over ? 'done' : 'queued', over ? signal : AbortSignal.timeout(5_000));
    }
  }
  await closeIfOver(deps, batchId, jobId, signal);
}

/** Runs the chunk's pending lines until none is left, the batch is cancelled, or its window ends. */
async function runLines(deps: BatchRunnerDeps, batch: Batch, lines: { first: number; last: number }, signal: AbortSignal): Promise<'completed' | 'cancelled' | 'expired'> {
  const inFlight = new Map<number, Promise<void>>();
  /** Lines fetched ahead, so each line ending does not cost a query. */
  const ready: BatchLineInput[] = [];
  const retries = new Map<number, number>();
  const results: Array<BatchLineResult & { failed: boolean }> = [];
  /** The answers the store is writing now. */
  let writing: Array<BatchLineResult & { failed: boolean }> = [];
  let stopping: 'cancelled' | 'expired' | undefined;
  const pause = new WorkPause();
  let polledAt = 0;
  let flushing = Promise.resolve();
  /**
   * Stores the answers that arrived, one write at a time: an answer is written as soon as the
   * previous write is done (answers arriving meanwhile go together), so a crash loses only answers
   * still on their way. A write that fails puts its answers back for the next one.
   */
  const flush = () => {
    flushing = flushing.then(async () => {
      const taken = results.splice(0);
      writing = taken;
      try {
        await deps.store.finish(batch.id, taken, signal);
        if (taken.length > 0) deps.onChange?.(batch.id);
      } catch (error) {
        results.unshift(...taken);
        throw error;
      } finally {
        writing = [];
      }
    });
    const written = flushing;
    flushing = flushing.catch(() => undefined);
    return written;
  };
  try {
    for (;;) {
      signal.throwIfAborted();
      if (Date.now() - polledAt >= STATUS_POLL_MS) {
        polledAt = Date.now();
        const current = await deps.store.load(batch.id, signal);
        if (!current || current.status === 'cancelling') stopping = 'cancelled';
        else if (Date.now() / 1000 >= current.expiresAt) stopping = 'expired';
      }
      if (stopping) break;
      const paused = pause.paused();
      if (!paused && ready.length < deps.concurrency) {
        // Still pending in the store, but running, read ahead, or answered and not yet (or being) written.
        const skip = [...inFlight.keys(), ...ready.map((input) => input.line), ...results.map((result) => result.line), ...writing.map((result) => result.line)];
        ready.push(...(await deps.store.pending(batch.id, PREFETCH_LINES, skip, lines, signal)));
      }
      if (ready.length === 0 && inFlight.size === 0 && !paused) {
        await flush();
        // Nothing pending and nothing running: every line has its result.
        if ((await deps.store.pending(batch.id, 1, [], lines, signal)).length === 0) return 'completed';
      }
      // Answers waiting for the store count against the lines in flight: a slow store holds new
      // calls back, so a crash re-runs at most twice the concurrency (those calling, those being written).
      while (!paused && inFlight.size + results.length < deps.concurrency && ready.length > 0) {
        const input = ready.shift()!;
        const running = runLine(deps.lines, batch.endpoint as BatchEndpoint, batch.owner, input, signal).then((outcome) => {
          inFlight.delete(input.line);
          const tries = (retries.get(input.line) ?? 0) + 1;
          // A line whose provider kept failing it is answered with its last error, like an interactive call.
          const final = outcome.kind === 'done' || (outcome.kind === 'retry' && tries > MAX_LINE_RETRIES);
          deps.onLine?.(batch.endpoint, !final ? 'deferred' : outcome.result.failed ? 'failed' : 'completed');
          if (final) {
            results.push(outcome.result);
            void flush().catch(() => undefined);
            pause.succeeded();
          } else if (outcome.kind === 'retry') {
            retries.set(input.line, tries);
          } else {
            // "Not now" for every line: none starts for a while, longer each pause in a row.
            pause.refused(outcome.kind === 'yield' ? 'yield' : 'outage');
          }
        });
        inFlight.set(input.line, running);
      }
      // Wake when a line ends, for the next status poll, or when a pause is over.
      const waitMs = Math.max(1, Math.min(STATUS_POLL_MS, paused ? pause.until - Date.now() : STATUS_POLL_MS));
      await Promise.race([...inFlight.values(), ...(results.length + writing.length > 0 ? [flushing] : []), sleep(waitMs, signal)]);
    }
    // Cancelled or expired: lines already running finish and are kept; no new one starts.
    await Promise.allSettled(inFlight.values());
    await flush();
    return stopping;
  } finally {
    await flushing;
  }
}
