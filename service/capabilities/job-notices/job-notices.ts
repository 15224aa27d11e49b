/**
 * The job-notices capability: "job X changed", from the worker that changed it to every replica
 * that has a client following it. A notice carries no state (the job's state is read from the
 * store, so every replica shows the same object as GET); it only says "read it now" instead of
 * at the next poll. Notices may be lost (Redis down): followers poll anyway. Implementations:
 * in-process (local-job-notices.ts) and Redis pub/sub (redis-job-notices.ts).
 */
export interface JobNotices {
  /** Fire and forget; never throws. */
  publish(jobId: string): void;
  /** Every notice from now on, from any replica (best effort). */
  subscribe(listener: (jobId: string) => void): void;
}
