/**
 * A batch's own job: validates the input file (storing every line, or failing the batch with
 * OpenAI's `errors.data`), splits the lines into chunks and queues one job per chunk
 * (chunk-runner.ts), so every worker sharing the Postgres takes part. Whichever job finds nothing
 * left to run — the last chunk to end, or this job after a cancel — closes the batch and writes its
 * output and error files. Safe to run again after a crash: chunk jobs are keyed (queued once),
 * finished lines are never run twice, and only the job that closed the batch writes its files.
 */
import type { Batch, BatchStore } from '../../capabilities/batches/batch-store.ts';
import type { FileStore } from '../../capabilities/files/file-store.ts';
import type { Files } from '../files/files.ts';
import { readBatchInput } from './batch-input.ts';
import { writeBatchOutput } from './batch-output.ts';
import type { LineRunner } from './run-line.ts';

export interface BatchRunnerDeps {
  store: BatchStore;
  files: FileStore;
  lines: LineRunner;
  /** Lines of one chunk in flight at once. */
  concurrency: number;
  /** Lines per chunk: the unit of work one worker takes. */
  linesPerChunk: number;
  /** Queues a chunk's job (keyed: queuing it again adds nothing). */
  enqueueChunk: (batchId: string, chunk: number) => Promise<void>;
  /** Writes the output and error files, as the client's own. */
  outputFiles: Pick<Files, 'createOutputFile'>;
  /** Told of every line's result, for metrics. */
  onLine?: (endpoint: string, result: 'completed' | 'failed' | 'deferred') => void;
  /** Told when the batch's stored state changed (status, counts, files): live notifications. */
  onChange?: (batchId: string) => void;
}

/** `jobId`: this job's id, which a retry of it keeps (it decides who writes the output files). */
export async function runBatch(deps: BatchRunnerDeps, batchId: string, jobId: string, signal: AbortSignal): Promise<void> {
  let batch = await deps.store.load(batchId, signal);
  if (!batch) return;
  if (batch.status === 'validating') batch = await validate(deps, batch, signal);
  if (batch.status === 'in_progress') {
    for (const chunk of await deps.store.chunks(batch.id, deps.linesPerChunk, signal)) {
      if (chunk.state !== 'done') await deps.enqueueChunk(batch.id, chunk.chunk);
    }
  }
  await closeIfOver(deps, batchId, jobId, signal);
}

async function validate(deps: BatchRunnerDeps, batch: Batch, signal: AbortSignal): Promise<Batch> {
  const file = await deps.files.get(batch.owner, batch.inputFileId, signal);
  const content = file && (await deps.files.content(batch.owner, file.id, { offset: 0, length: file.bytes }, signal));
  if (!content) {
    await deps.store.fail(batch.id, [{ code: 'file_not_found', message: `The input file ${batch.inputFileId} no longer exists (deleted or expired).`, param: 'input_file_id', line: null }], signal);
  } else {
    const input = readBatchInput(content.toString('utf8'), batch.endpoint);
    if ('errors' in input) await deps.store.fail(batch.id, input.errors, signal);
    else await deps.store.start(batch.id, input.lines, signal);
  }
  deps.onChange?.(batch.id);
  return (await deps.store.load(batch.id, signal)) ?? batch;
}

/**
 * Closes the batch when nothing more will run, and writes its files. A job that closed it and
 * crashed while writing finds it still finalizing under its own id on its retry, and writes again.
 */
export async function closeIfOver(deps: BatchRunnerDeps, batchId: string, jobId: string, signal: AbortSignal): Promise<void> {
  if (await deps.store.close(batchId, jobId, signal)) deps.onChange?.(batchId);
  const batch = await deps.store.load(batchId, signal);
  if (batch?.status === 'finalizing' && batch.finalizedBy === jobId) await finalize(deps, batch, signal);
}

async function finalize(deps: BatchRunnerDeps, batch: Batch, signal: AbortSignal): Promise<void> {
  const { total, completed, failed } = batch.counts;
  const ending = batch.cancellingAt !== null ? 'cancelled' : completed + failed < total ? 'expired' : 'completed';
  const finished = await deps.store.finished(batch.id, signal);
  const files = await writeBatchOutput(deps, batch, finished, ending === 'expired', signal);
  await deps.store.transition(batch.id, ['finalizing'], ending, files, signal);
  deps.onChange?.(batch.id);
}
