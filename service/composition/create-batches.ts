/**
 * Composes background work: the job queue on Levee's Postgres, the batch store, and this
 * process's batch workers (JOB_CONCURRENCY batches at once, each running a few lines at a time
 * through the same chat and embeddings use cases as interactive calls).
 *
 * The embedded store still starts on first use: the queue and its workers start with the first
 * batch created here, or at boot when DATA_DIR holds unfinished jobs (a marker file, written when a
 * job is queued and removed once the queue is empty), so they resume. With DATABASE_URL they start
 * at boot: other replicas may have queued work. Shutdown stops fetching at once and lets running
 * batches reach a safe point within the grace period (what they finished is stored; the rest runs
 * again).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresBatchStore } from '../capabilities/batches/postgres-batch-store.ts';
import type { FileStore } from '../capabilities/files/file-store.ts';
import { PgBossJobQueue } from '../capabilities/jobs/pg-boss-job-queue.ts';
import type { Config } from '../config.ts';
import type { Files } from '../features/files/files.ts';
import type { PostgresDependency } from '../deps/postgres/postgres-dependency.ts';
import { runBatch } from '../features/batches/batch-runner.ts';
import type { BatchesDeps } from '../features/batches/batches.ts';
import type { JobsReportOptions } from '../features/jobs/jobs-report.ts';
import { BATCH_ENDPOINTS, type LineRunner } from '../features/batches/run-line.ts';
import type { Closeable } from '../shutdown.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

const BATCH_QUEUE = 'levee-batches';
/** Lines of one batch in flight at once in this process. */
const LINES_PER_BATCH = 8;
/** A batch job may run for its whole completion window (24 h, also pg-boss's longest expiry); the heartbeat, not this, catches a crash. */
const BATCH_JOB_EXPIRY_SECONDS = 24 * 60 * 60;
/** In DATA_DIR while the embedded store holds unfinished jobs. */
const PENDING_MARKER = 'levee-jobs-pending';

export interface CreateBatchesOptions {
  config: Config;
  postgres: PostgresDependency;
  files: FileStore;
  /** Where output and error files are written (the Files API's own use case). */
  outputFiles: Pick<Files, 'createOutputFile'>;
  lines: LineRunner;
  logger: Logger;
  metrics: Metrics;
  closeables: Closeable[];
}

/** Queue gauges are read from Postgres this often once the queue runs (not at each scrape: a scrape must not wait on the store). */
const GAUGE_REFRESH_MS = 5_000;

export function createBatches(options: CreateBatchesOptions): { batches: BatchesDeps; jobs: JobsReportOptions } {
  const { config, postgres, logger } = options;
  const queue = new PgBossJobQueue({ postgres, config: config.jobs, logger });
  const store = new PostgresBatchStore(postgres);
  const marker = postgres.mode === 'embedded' ? join(config.postgres.dataDir, PENDING_MARKER) : undefined;
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

  /** Drops the marker once nothing waits or runs, so the next boot does not start the store for nothing. */
  const settle = async () => {
    if (!marker) return;
    const counts = await queue.counts(new AbortController().signal).catch(() => undefined);
    if (counts?.every((count) => count.queued === 0 && count.active <= 1)) rmSync(marker, { force: true });
  };
  let started: Promise<void> | undefined;
  const start = () => {
    started ??= (async () => {
      await queue.define(BATCH_QUEUE, { retryLimit: 20, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: BATCH_JOB_EXPIRY_SECONDS });
      if (config.jobs.concurrency === 0) return;
      await queue.work<{ batchId: string }>(BATCH_QUEUE, { concurrency: config.jobs.concurrency }, async (job) => {
        try {
          await runBatch(runner, job.data.batchId, job.signal);
        } catch (error) {
          // The queue runs it again (what finished is kept); say why it stopped.
          if (!job.signal.aborted) logger.warn({ err: error, batch_id: job.data.batchId }, 'batch run stopped; the queue will resume it');
          throw error;
        }
        await settle();
      });
    })().catch((error: unknown) => {
      started = undefined;
      logger.error({ err: error }, 'job queue did not start; batches wait for the next try');
      throw error;
    });
    return started;
  };
  if (!marker || existsSync(marker)) void start().catch(() => undefined);
  const gauges = setInterval(() => {
    if (!started) return;
    void queue.counts(AbortSignal.timeout(GAUGE_REFRESH_MS)).then(
      (counts) => {
        for (const { queue: name, queued, active, oldest_waiting_seconds: oldest } of counts) {
          options.metrics.jobsQueued.set({ queue: name }, queued);
          options.metrics.jobsActive.set({ queue: name }, active);
          options.metrics.jobsOldestWaiting.set({ queue: name }, oldest);
        }
      },
      () => undefined,
    );
  }, GAUGE_REFRESH_MS);
  gauges.unref();
  options.closeables.unshift({
    name: 'job queue',
    close: () => {
      clearInterval(gauges);
      return queue.stop(config.shutdown.graceMs);
    },
  });

  return {
    batches: {
      store,
      files: options.files,
      enqueue: async (batchId) => {
        if (marker) writeFileSync(marker, '');
        await start();
        await queue.send(BATCH_QUEUE, { batchId });
      },
    },
    jobs: { queue, started: () => started !== undefined, concurrency: config.jobs.concurrency },
  };
}
