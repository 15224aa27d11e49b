/**
 * Composes the Batch API's background side on the shared job queue (create-jobs.ts): the batch
 * store, a queue of batch jobs (validate, split into chunks, close) and a queue of chunk jobs (a
 * few lines at a time through the same chat and embeddings use cases as interactive calls).
 */
import { PostgresBatchStore } from '../capabilities/batches/postgres-batch-store.ts';
import type { JobNotices } from '../capabilities/job-notices/job-notices.ts';
import type { FileStore } from '../capabilities/files/file-store.ts';
import type { Files } from '../features/files/files.ts';
import type { PostgresDependency } from '../deps/postgres/postgres-dependency.ts';
import { runBatch } from '../features/batches/batch-runner.ts';
import { runChunk } from '../features/batches/chunk-runner.ts';
import type { BatchesDeps } from '../features/batches/batches.ts';
import { BATCH_ENDPOINTS, type LineRunner } from '../features/batches/run-line.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { BackgroundJobs } from './create-jobs.ts';

const BATCH_QUEUE = 'levee-batches';
const CHUNK_QUEUE = 'levee-batch-chunks';
/** Lines of one chunk in flight at once. */
const LINES_PER_CHUNK_AT_ONCE = 8;
/** Lines per chunk: small enough that the replicas share a batch, large enough that bookkeeping stays a small part. */
const LINES_PER_CHUNK = 100;
/** A chunk paused by an outage may wait out the whole completion window (24 h, pg-boss's longest expiry); the heartbeat, not this, catches a crash. */
const JOB_EXPIRY_SECONDS = 24 * 60 * 60;
const RETRIES = { retryLimit: 20, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: JOB_EXPIRY_SECONDS };

export interface CreateBatchesOptions {
  jobs: BackgroundJobs;
  postgres: PostgresDependency;
  files: FileStore;
  /** Where output and error files are written (the Files API's own use case). */
  outputFiles: Pick<Files, 'createOutputFile'>;
  lines: LineRunner;
  logger: Logger;
  metrics: Metrics;
  /** Told of each batch's changes, for live notifications. */
  notices: JobNotices;
}

export function createBatches(options: CreateBatchesOptions): BatchesDeps {
  const { jobs, postgres, logger } = options;
  const store = new PostgresBatchStore(postgres);
  // Every series from 0: a first burst of failed lines is then a rate, not a series appearing.
  for (const endpoint of BATCH_ENDPOINTS) for (const result of ['completed', 'failed', 'deferred']) options.metrics.batchLines.inc({ endpoint, result }, 0);
  const runner = {
    store,
    files: options.files,
    lines: options.lines,
    concurrency: LINES_PER_CHUNK_AT_ONCE,
    linesPerChunk: LINES_PER_CHUNK,
    enqueueChunk: async (batchId: string, chunk: number) => {
      await jobs.send(CHUNK_QUEUE, { batchId, chunk }, { key: `${batchId}:${chunk}` });
    },
    outputFiles: options.outputFiles,
    onLine: (endpoint: string, result: string) => options.metrics.batchLines.inc({ endpoint, result }),
    onChange: (batchId: string) => options.notices.publish(batchId),
  };
  /** The queue runs a stopped job again (what finished is kept); say why it stopped. */
  const logged = async (batchId: string, signal: AbortSignal, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      if (!signal.aborted) logger.warn({ err: error, batch_id: batchId }, 'batch job stopped; the queue will run it again');
      throw error;
    }
  };
  jobs.handle<{ batchId: string }>(BATCH_QUEUE, RETRIES, (job) => logged(job.data.batchId, job.signal, () => runBatch(runner, job.data.batchId, job.id, job.signal)));
  jobs.handle<{ batchId: string; chunk: number }>(CHUNK_QUEUE, RETRIES, (job) =>
    logged(job.data.batchId, job.signal, () => runChunk(runner, job.data.batchId, job.data.chunk, job.id, job.signal)),
  );
  return {
    store,
    files: options.files,
    enqueue: async (batchId) => {
      await jobs.send(BATCH_QUEUE, { batchId });
    },
  };
}
