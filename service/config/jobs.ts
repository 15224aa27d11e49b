/**
 * The background-job queue (pg-boss on Levee's Postgres): how many jobs this process runs, how
 * often idle workers look for work, and how soon a crashed worker's job is claimed again.
 */
import { integer, type ParsedEnvironment } from './env-parsers.ts';

export const jobsEnvironment = {
  /** Jobs this process runs at once; 0 runs none (a process that only serves requests). */
  JOB_CONCURRENCY: integer({ min: 0, max: 256 }).default(4),
  /** An idle worker looks for new jobs this often (no LISTEN/NOTIFY: it does not pass the embedded server). */
  JOB_POLL_INTERVAL_MS: integer({ min: 500, max: 60_000 }).default(1_000),
  /** A running job reports every half of this; one silent this long (a crashed worker's) is claimed again. pg-boss's minimum is 10 s. */
  JOB_HEARTBEAT_SECONDS: integer({ min: 10, max: 3_600 }).default(10),
};

type JobsEnvironment = ParsedEnvironment<typeof jobsEnvironment>;

export interface JobsConfig {
  concurrency: number;
  pollIntervalSeconds: number;
  heartbeatSeconds: number;
  /** How often pg-boss's supervisor wakes (s). */
  superviseIntervalSeconds: number;
  /** How often it fails jobs whose heartbeat stopped (s): with the heartbeat, how soon a crashed worker's job runs again. */
  monitorIntervalSeconds: number;
}

export function jobsConfig(env: JobsEnvironment): JobsConfig {
  return {
    concurrency: env.JOB_CONCURRENCY,
    pollIntervalSeconds: env.JOB_POLL_INTERVAL_MS / 1000,
    heartbeatSeconds: env.JOB_HEARTBEAT_SECONDS,
    // A lost job is found within heartbeat + half a heartbeat, not pg-boss's default minute.
    superviseIntervalSeconds: Math.max(1, Math.floor(env.JOB_HEARTBEAT_SECONDS / 4)),
    monitorIntervalSeconds: Math.max(1, Math.floor(env.JOB_HEARTBEAT_SECONDS / 2)),
  };
}
