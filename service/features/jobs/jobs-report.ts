/**
 * Queue stats for people and probes (`GET /health/jobs`): per queue, jobs waiting and running and
 * how long the oldest has waited; this process's workers. Before the queue's first use (the
 * embedded store not started) it says so instead of starting anything.
 */
import type { JobQueue, QueueCounts } from '../../capabilities/jobs/job-queue.ts';

export interface JobsReportOptions {
  queue: Pick<JobQueue, 'counts'>;
  /** Whether the queue has started in this process (false: nothing was queued or resumed yet). */
  started: () => boolean;
  /** Jobs this process runs at once (JOB_CONCURRENCY). */
  concurrency: number;
}

export interface JobsReport {
  status: 'ok' | 'not_started';
  workers: { concurrency: number };
  queues: QueueCounts[];
}

export async function reportJobs(options: JobsReportOptions, signal: AbortSignal): Promise<JobsReport> {
  const workers = { concurrency: options.concurrency };
  if (!options.started()) return { status: 'not_started', workers, queues: [] };
  return { status: 'ok', workers, queues: await options.queue.counts(signal) };
}
