/**
 * The job-queue capability: durable background work that survives restarts and is shared by the
 * replicas of one Postgres. Jobs are at-least-once: a handler that ran when its worker crashed
 * runs again, so handlers record their progress and skip what is already done. The one
 * implementation is pg-boss over Levee's own Postgres (pg-boss-job-queue.ts).
 */

/** One job as a handler gets it. */
export interface QueuedJob<Data> {
  id: string;
  data: Data;
  /** Aborted when the queue stops (shutdown) or the job's expiry passes: stop at a safe point. */
  signal: AbortSignal;
}

export interface QueueDefinition {
  /** Attempts after the first when the handler throws. */
  retryLimit: number;
  /** Wait before a retry, in seconds (doubling when `retryBackoff`). */
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** A job running longer than this is failed (and retried) by the queue. */
  expireInSeconds: number;
}

export interface WorkOptions {
  /** Jobs of this queue this process runs at once. */
  concurrency: number;
}

/** Counts per state for one queue, and how long its oldest waiting job has waited. */
export interface QueueCounts {
  queue: string;
  queued: number;
  active: number;
  /** Seconds since the oldest job still waiting was created (0 when none waits). */
  oldest_waiting_seconds: number;
}

export interface JobQueue {
  /** Creates the queue if missing (idempotent; replicas may all call it). */
  define(name: string, definition: QueueDefinition): Promise<void>;
  /**
   * Adds a job; resolves with its id once it is stored. With a `key`, the job is added once: sending
   * the same key to the same queue again (after a crash, by another replica) adds nothing, even
   * once the first job is done, for as long as the queue keeps finished jobs.
   */
  send<Data extends object>(name: string, data: Data, options?: { key?: string }): Promise<string>;
  /** Runs `handler` for this queue's jobs in this process: resolved completes the job, thrown fails it. */
  work<Data>(name: string, options: WorkOptions, handler: (job: QueuedJob<Data>) => Promise<void>): Promise<void>;
  counts(signal: AbortSignal): Promise<QueueCounts[]>;
  /** Stops fetching at once; running handlers get `graceMs` to finish, then their signals abort. */
  stop(graceMs: number): Promise<void>;
}
