/**
 * Composes the job queue on Levee's Postgres and this process's workers, for every kind of
 * background work (batches, document imports): each registers its queues and handlers here, and
 * queues jobs through `send`.
 *
 * The embedded store still starts on first use: the queue and its workers start with the first job
 * queued here, or at boot when DATA_DIR holds unfinished jobs (a marker file, written when a job is
 * queued and removed once the queue is empty), so they resume. With DATABASE_URL they start at boot:
 * other replicas may have queued work. Shutdown stops fetching at once and lets running jobs reach
 * a safe point within the grace period (what they finished is stored; the rest runs again).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueDefinition, QueuedJob } from '../capabilities/jobs/job-queue.ts';
import { PgBossJobQueue } from '../capabilities/jobs/pg-boss-job-queue.ts';
import type { Config } from '../config.ts';
import type { PostgresDependency } from '../deps/postgres/postgres-dependency.ts';
import type { JobsReportOptions } from '../features/jobs/jobs-report.ts';
import type { Closeable } from '../shutdown.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/** In DATA_DIR while the embedded store holds unfinished jobs. */
const PENDING_MARKER = 'levee-jobs-pending';
/** Queue gauges are read from Postgres this often once the queue runs (not at each scrape: a scrape must not wait on the store). */
const GAUGE_REFRESH_MS = 5_000;
/** A queue that could not start at boot tries again this often. */
const START_RETRY_MS = 5_000;

export interface BackgroundJobs {
  /** Registers a queue and its handler (before the first `send`); this process works it with JOB_CONCURRENCY jobs at once. */
  handle<Data>(name: string, definition: QueueDefinition, handler: (job: QueuedJob<Data>) => Promise<void>): void;
  /** Queues a job, starting the queue on first use; `key`: added once (see JobQueue.send). */
  send<Data extends object>(name: string, data: Data, options?: { key?: string }): Promise<string>;
  /** Starts the queue now when there may be work to resume (DATABASE_URL, or DATA_DIR's marker): call once every kind registered. */
  resume(): void;
  /** For /health/jobs. */
  report: JobsReportOptions;
}

export interface CreateJobsOptions {
  config: Config;
  postgres: PostgresDependency;
  logger: Logger;
  metrics: Metrics;
  closeables: Closeable[];
}

interface Registration {
  name: string;
  definition: QueueDefinition;
  handler: (job: QueuedJob<never>) => Promise<void>;
}

export function createJobs(options: CreateJobsOptions): BackgroundJobs {
  const { config, postgres, logger, metrics } = options;
  const queue = new PgBossJobQueue({ postgres, config: config.jobs, logger });
  const marker = postgres.mode === 'embedded' ? join(config.postgres.dataDir, PENDING_MARKER) : undefined;
  const registrations: Registration[] = [];

  /** Drops the marker once nothing waits or runs but the job ending now, so the next boot does not start the store for nothing. */
  const settle = async () => {
    if (!marker) return;
    const counts = await queue.counts(new AbortController().signal).catch(() => undefined);
    if (counts && counts.every((count) => count.queued === 0) && counts.reduce((sum, count) => sum + count.active, 0) <= 1) rmSync(marker, { force: true });
  };
  let started: Promise<void> | undefined;
  const working = new Set<string>();
  const start = () => {
    started ??= (async () => {
      for (const { name, definition } of registrations) await queue.define(name, definition);
      if (config.jobs.concurrency === 0) return;
      for (const { name, handler } of registrations) {
        // A start that failed half-way is tried again: queues already worked here are not worked twice.
        if (working.has(name)) continue;
        await queue.work<never>(name, { concurrency: config.jobs.concurrency }, async (job) => {
          await handler(job);
          await settle();
        });
        working.add(name);
      }
    })().catch((error: unknown) => {
      started = undefined;
      logger.error({ err: error }, 'job queue did not start; background work waits for the next try');
      throw error;
    });
    return started;
  };
  const gauges = setInterval(() => {
    if (!started) return;
    void queue.counts(AbortSignal.timeout(GAUGE_REFRESH_MS)).then(
      (counts) => {
        for (const { queue: name, queued, active, oldest_waiting_seconds: oldest } of counts) {
          metrics.jobsQueued.set({ queue: name }, queued);
          metrics.jobsActive.set({ queue: name }, active);
          metrics.jobsOldestWaiting.set({ queue: name }, oldest);
        }
      },
      () => undefined,
    );
  }, GAUGE_REFRESH_MS);
  gauges.unref();
  let closing = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  options.closeables.unshift({
    name: 'job queue',
    close: () => {
      closing = true;
      clearTimeout(retry);
      clearInterval(gauges);
      return queue.stop(config.shutdown.graceMs);
    },
  });

  return {
    handle<Data>(name: string, definition: QueueDefinition, handler: (job: QueuedJob<Data>) => Promise<void>) {
      if (started) throw new Error(`queue ${name} registered after the job queue started`);
      registrations.push({ name, definition, handler: handler as (job: QueuedJob<never>) => Promise<void> });
    },
    async send(name, data, sendOptions) {
      if (marker) writeFileSync(marker, '');
      await start();
      return queue.send(name, data, sendOptions);
    },
    resume() {
      if (marker && !existsSync(marker)) return;
      // A start that failed (the store not reachable yet, a peer replica migrating pg-boss at the
      // same moment) is tried again: a worker-only process queues nothing that would retry it.
      const attempt = () => {
        if (closing) return;
        start().catch(() => {
          retry = setTimeout(attempt, START_RETRY_MS);
          retry.unref();
        });
      };
      attempt();
    },
    report: { queue, started: () => started !== undefined, concurrency: config.jobs.concurrency },
  };
}
