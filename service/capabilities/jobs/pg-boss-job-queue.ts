/**
 * The job queue on pg-boss, over Levee's own Postgres: every statement pg-boss runs goes through
 * PostgresDependency.query under the `jobs` operation's policies (bulkhead, breaker, retry,
 * timeout), never a pool of its own — on the embedded store that is the only connection there is.
 * LISTEN/NOTIFY stays off (it does not pass pglite-socket); workers poll, a few fetches a second.
 * Jobs carry a heartbeat, so a crashed worker's job is claimed again within about
 * JOB_HEARTBEAT_SECONDS rather than at its expiry.
 */
import { createHash } from 'node:crypto';
import { PgBoss, type Db } from 'pg-boss';
import type { JobsConfig } from '../../config/jobs.ts';
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { JobQueue, QueueCounts, QueueDefinition, QueuedJob, WorkOptions } from './job-queue.ts';

/** pg-boss's schema in the database: apart from Levee's own tables. */
const SCHEMA = 'levee_jobs';

export interface PgBossJobQueueOptions {
  postgres: PostgresDependency;
  config: JobsConfig;
  logger: Logger;
}

export class PgBossJobQueue implements JobQueue {
  readonly #options: PgBossJobQueueOptions;
  readonly #boss: PgBoss;
  readonly #queues = new Set<string>();
  #started: Promise<void> | undefined;

  constructor(options: PgBossJobQueueOptions) {
    this.#options = options;
    const { postgres } = options;
    const db: Db = {
      // No caller deadline: bookkeeping runs under the jobs operation's own timeout.
      executeSql: (text, values) => postgres.query('jobs', (client) => client.query(text, values as unknown[]), new AbortController().signal),
    };
    this.#boss = new PgBoss({
      db,
      schema: SCHEMA,
      useListenNotify: false,
      // Levee's metrics and /health/jobs report the queue; pg-boss's own monitors stay light.
      registerInstance: false,
      persistWarnings: false,
      superviseIntervalSeconds: options.config.superviseIntervalSeconds,
      monitorIntervalSeconds: options.config.monitorIntervalSeconds,
    });
    this.#boss.on('error', (error: unknown) => options.logger.warn({ err: error }, 'job queue: background maintenance failed'));
  }

  /** Creates pg-boss's schema (once, idempotent) the first time the queue is used. */
  start(): Promise<void> {
    this.#started ??= this.#boss.start().then(
      () => undefined,
      (error: unknown) => {
        this.#started = undefined;
        throw error;
      },
    );
    return this.#started;
  }

  async define(name: string, definition: QueueDefinition): Promise<void> {
    await this.start();
    if (this.#queues.has(name)) return;
    const existing = await this.#boss.getQueue(name);
    const settings = {
      retryLimit: definition.retryLimit,
      retryDelay: definition.retryDelaySeconds,
      retryBackoff: definition.retryBackoff,
      expireInSeconds: definition.expireInSeconds,
      heartbeatSeconds: this.#options.config.heartbeatSeconds,
    };
    if (existing) await this.#boss.updateQueue(name, settings);
    else await this.#boss.createQueue(name, settings);
    this.#queues.add(name);
  }

  async send<Data extends object>(name: string, data: Data, options: { key?: string } = {}): Promise<string> {
    await this.start();
    // A keyed job's id is derived from its key: pg-boss inserts with ON CONFLICT DO NOTHING on (name, id).
    const keyed = options.key === undefined ? undefined : keyedJobId(name, options.key);
    const id = await this.#boss.send(name, data, keyed ? { id: keyed } : {});
    if (id !== null) return id;
    if (keyed) return keyed;
    throw new Error(`job queue ${name} did not take the job`);
  }

  async work<Data>(name: string, options: WorkOptions, handler: (job: QueuedJob<Data>) => Promise<void>): Promise<void> {
    await this.start();
    await this.#boss.work<Data>(
      name,
      { batchSize: 1, localConcurrency: options.concurrency, pollingIntervalSeconds: this.#options.config.pollIntervalSeconds },
      async ([job]) => {
        if (job) await handler({ id: job.id, data: job.data, signal: job.signal });
      },
    );
  }

  /**
   * Live counts, read from pg-boss's job table (its own queue counts are a cache refreshed every
   * minute, too slow for /health/jobs). The table is pg-boss's; its major version is pinned.
   */
  async counts(signal: AbortSignal): Promise<QueueCounts[]> {
    if (!this.#started || this.#queues.size === 0) return [];
    const names = [...this.#queues];
    const rows = await this.#options.postgres.query(
      'jobs',
      async (client) =>
        (
          await client.query<{ name: string; queued: string; active: string; oldest: number | null }>(
            `SELECT name,
                    count(*) FILTER (WHERE state IN ('created', 'retry')) AS queued,
                    count(*) FILTER (WHERE state = 'active') AS active,
                    extract(epoch FROM now() - min(created_on) FILTER (WHERE state IN ('created', 'retry')))::float8 AS oldest
               FROM ${SCHEMA}.job WHERE name = ANY($1) GROUP BY name`,
            [names],
          )
        ).rows,
      signal,
    );
    return names.map((name) => {
      const row = rows.find((candidate) => candidate.name === name);
      return { queue: name, queued: Number(row?.queued ?? 0), active: Number(row?.active ?? 0), oldest_waiting_seconds: Math.round(row?.oldest ?? 0) };
    });
  }

  async stop(graceMs: number): Promise<void> {
    if (!this.#started) return;
    await this.#boss.stop({ graceful: true, timeout: graceMs, close: false });
  }
}

/** A UUID (version 8, "custom") from the queue and key: the same key always names the same job. */
function keyedJobId(queue: string, key: string): string {
  const bytes = createHash('sha256').update(`${queue}\0${key}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
