/**
 * Composes the Batch API's background side: the batch store and its queue's handler (each batch
 * job running a few lines at a time through the same chat and embeddings use cases as interactive
 * calls), on the shared job queue (create-jobs.ts).
 */
import { PostgresBatchStore } from '../capabilities/batches/postgres-batch-store.ts';
import type { FileStore } from '../capabilities/files/file-store.ts';
import type { Files } from '../features/files/files.ts';
import type { PostgresDependency } from '../deps/postgres/postgres-dependency.ts';
import { runBatch } from '../features/batches/batch-runner.ts';
import type { BatchesDeps } from '../features/batches/batches.ts';
import { BATCH_ENDPOINTS, type LineRunner } from '../features/batches/run-line.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { BackgroundJobs } from './create-jobs.ts';

const BATCH_QUEUE = 'levee-batches';
/** Lines of one batch in flight at once in this process. */
const LINES_PER_BATCH = 8;
/** A batch job may run for its whole completion window (24 h, also pg-boss's longest expiry); the heartbeat, not this, catches a crash. */
const BATCH_JOB_EXPIRY_SECONDS = 24 * 60 * 60;

export interface CreateBatchesOptions {
  jobs: BackgroundJobs;
  postgres: PostgresDependency;
  files: FileStore;
  /** Where output and error files are written (the Files API's own use case). */
  outputFiles: Pick<Files, 'createOutputFile'>;
  lines: LineRunner;
  logger: Logger;
  metrics: Metrics;
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
    concurrency: LINES_PER_BATCH,
    outputFiles: options.outputFiles,
    onLine: (endpoint: string, result: string) => options.metrics.batchLines.inc({ endpoint, result }),
  };
  jobs.handle<{ batchId: string }>(BATCH_QUEUE, { retryLimit: 20, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: BATCH_JOB_EXPIRY_SECONDS }, async (job) => {
    try {
      await runBatch(runner, job.data.batchId, job.signal);
    } catch (error) {
      // The queue runs it again (what finished is kept); say why it stopped.
      if (!job.signal.aborted) logger.warn({ err: error, batch_id: job.data.batchId }, 'batch run stopped; the queue will resume it');
      throw error;
    }
  });
  return {
    store,
    files: options.files,
    enqueue: async (batchId) => {
      await jobs.send(BATCH_QUEUE, { batchId });
    },
  };
}
