/**
 * Follows jobs (batches, imports) for the clients subscribed on this replica: each followed job
 * is re-read from the store — the same object GET answers, whichever replica did the work — every
 * poll interval (the path that needs nothing but the shared Postgres), and at once when a job
 * notice says it changed (Redis pub/sub, or this process). A client hears of a job only when its
 * status, counts or files changed, at most once per MIN_UPDATE_MS, and last when it ends.
 * A subscription to "all" of an owner's jobs also picks up the jobs the owner starts later.
 */
import type { JobNotices } from '../../capabilities/job-notices/job-notices.ts';
import type { Logger } from '../../telemetry/logger.ts';

/** A job as its GET shows it (a batch or an import object). */
export interface JobObject {
  id: string;
  object: string;
  status: string;
  [field: string]: unknown;
}

/** Reads jobs, each only for its owner. */
export interface JobReader {
  read(owner: string, id: string, signal: AbortSignal): Promise<JobObject | undefined>;
  /** The owner's jobs not yet ended. */
  active(owner: string, signal: AbortSignal): Promise<JobObject[]>;
}

export type JobListener = (job: JobObject) => void;

/** A job's updates at most this often (a few a second). */
const MIN_UPDATE_MS = 250;
/** Statuses after which a job never changes again. */
const FINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
/** Jobs re-read per poll at most: the Postgres path's bound whatever the number of subscribers. */
const MAX_READS_PER_POLL = 200;

interface Followed {
  owner: string;
  listeners: Set<JobListener>;
  /** What was last sent, to send only changes. */
  lastSeen: string | undefined;
  readAt: number;
  reading: boolean;
  /** A notice came while reading or too soon after the last read: read again then. */
  again: ReturnType<typeof setTimeout> | undefined;
}

export interface JobWatchOptions {
  reader: JobReader;
  notices: JobNotices;
  pollIntervalMs: number;
  logger: Logger;
}

export class JobWatch {
  readonly #options: JobWatchOptions;
  readonly #jobs = new Map<string, Followed>();
  /** Owners followed whole: their listeners, told of every job of theirs. */
  readonly #owners = new Map<string, Set<JobListener>>();
  readonly #timer: ReturnType<typeof setInterval>;
  #polling = false;

  constructor(options: JobWatchOptions) {
    this.#options = options;
    options.notices.subscribe((jobId) => {
      const followed = this.#jobs.get(jobId);
      if (followed) this.#refreshSoon(jobId, followed);
    });
    this.#timer = setInterval(() => void this.#poll(), options.pollIntervalMs);
    this.#timer.unref();
  }

  /** Follows one job for `listener`: its current state at once, then its changes. Returns the unfollow. */
  follow(owner: string, jobId: string, listener: JobListener): () => void {
    const followed = this.#followed(owner, jobId);
    followed.listeners.add(listener);
    // A new listener gets the current state even when nothing changed since the last send.
    void this.#read(jobId, followed, listener);
    return () => this.#unfollow(jobId, listener);
  }

  /** Follows every job of `owner`, those started later included. Returns the unfollow. */
  followAll(owner: string, listener: JobListener): () => void {
    const listeners = this.#owners.get(owner) ?? new Set<JobListener>();
    listeners.add(listener);
    this.#owners.set(owner, listeners);
    void this.#discover(owner);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#owners.delete(owner);
      for (const [jobId, followed] of this.#jobs) if (followed.owner === owner) this.#unfollow(jobId, listener);
    };
  }

  /** Jobs followed now (for tests and health). */
  get size(): number {
    return this.#jobs.size;
  }

  close(): void {
    clearInterval(this.#timer);
    for (const followed of this.#jobs.values()) clearTimeout(followed.again);
  }

  #followed(owner: string, jobId: string): Followed {
    let followed = this.#jobs.get(jobId);
    if (!followed || followed.owner !== owner) {
      followed = { owner, listeners: new Set(), lastSeen: undefined, readAt: 0, reading: false, again: undefined };
      this.#jobs.set(jobId, followed);
    }
    return followed;
  }

  #unfollow(jobId: string, listener: JobListener): void {
    const followed = this.#jobs.get(jobId);
    if (!followed) return;
    followed.listeners.delete(listener);
    if (followed.listeners.size === 0) {
      clearTimeout(followed.again);
      this.#jobs.delete(jobId);
    }
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const owner of this.#owners.keys()) await this.#discover(owner);
      let reads = 0;
      for (const [jobId, followed] of this.#jobs) {
        if (reads++ >= MAX_READS_PER_POLL) break;
        await this.#read(jobId, followed);
      }
    } finally {
      this.#polling = false;
    }
  }

  /** Adds the owner's running jobs to what the owner's "all" listeners follow. */
  async #discover(owner: string): Promise<void> {
    const listeners = this.#owners.get(owner);
    if (!listeners) return;
    let jobs: JobObject[];
    try {
      jobs = await this.#options.reader.active(owner, AbortSignal.timeout(this.#options.pollIntervalMs * 5));
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'events: could not list running jobs');
      return;
    }
    for (const job of jobs) {
      const followed = this.#followed(owner, job.id);
      // What the listeners get now counts as sent: the next read sends only a change.
      followed.lastSeen ??= JSON.stringify(job);
      for (const listener of listeners) {
        if (followed.listeners.has(listener)) continue;
        followed.listeners.add(listener);
        this.#deliver(job, listener);
      }
    }
  }

  #refreshSoon(jobId: string, followed: Followed): void {
    if (followed.again) return;
    const waitMs = Math.max(0, followed.readAt + MIN_UPDATE_MS - Date.now());
    followed.again = setTimeout(() => {
      followed.again = undefined;
      void this.#read(jobId, followed);
    }, waitMs);
    followed.again.unref();
  }

  /** Reads the job; tells its listeners (or only `to`) when it changed; drops it once ended and told. */
  async #read(jobId: string, followed: Followed, to?: JobListener): Promise<void> {
    if (followed.reading && !to) return this.#refreshSoon(jobId, followed);
    followed.reading = true;
    let job: JobObject | undefined;
    try {
      job = await this.#options.reader.read(followed.owner, jobId, AbortSignal.timeout(this.#options.pollIntervalMs * 5));
    } catch (error) {
      this.#options.logger.debug({ err: error, job_id: jobId }, 'events: could not read a followed job');
      return;
    } finally {
      followed.reading = false;
      followed.readAt = Date.now();
    }
    if (!job) return;
    const seen = JSON.stringify(job);
    if (to) this.#deliver(job, to);
    if (seen !== followed.lastSeen) {
      followed.lastSeen = seen;
      for (const listener of followed.listeners) if (listener !== to) this.#deliver(job, listener);
    }
    if (FINAL.has(job.status)) {
      clearTimeout(followed.again);
      this.#jobs.delete(jobId);
    }
  }

  #deliver(job: JobObject, listener: JobListener): void {
    try {
      listener(job);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'events: a listener failed');
    }
  }
}
