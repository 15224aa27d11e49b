/**
 * Wires the vector store's Postgres: where it is (a DATABASE_URL, or the embedded PGlite server in
 * a child process, started on first use so a Levee that never retrieves never pays for it), the
 * pool, the policy sheet, telemetry and migrations. Every statement runs under the policies
 * through `query` or `transaction`; `status` and `ping` feed its health check
 * (capabilities/health/postgres-health-check.ts).
 */
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import { ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '@opentelemetry/semantic-conventions';
import type { PostgresConfig } from '../../config/postgres.ts';
import { LeveeError, retryAfterHeader } from '../../errors.ts';
import { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import { InstrumentedCalls } from '../../resilience/instrumented-calls.ts';
import { bridgeTelemetry } from '../../resilience/telemetry-bridge.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { PostgresPool, type PostgresClient } from './client.ts';
import { migrate } from './migrations.ts';
import { BACKGROUND_OPERATIONS, backgroundLaneSize, postgresPolicySheet, type PostgresOperation } from './policies.ts';

/** Where the server is; `close` stops what was started for it (the embedded server). */
export interface PostgresLocation {
  url: string;
  close(): Promise<void>;
  /** For a server Levee started: resolves if it exits, so the next call starts it again. */
  exited?: Promise<void>;
}

export interface PostgresDependencyOptions {
  mode: 'embedded' | 'external';
  /** Finds (or starts) the server; called on first use, and again after a failed start. */
  locate: () => Promise<PostgresLocation>;
  /** Runs last in close(), e.g. to release the data directory's lock. */
  onClose?: () => void;
  /** How the server is described in health output (never with credentials). */
  upstreamLabel: string;
  config: PostgresConfig;
  metrics: Metrics;
  logger: Logger;
}

/** After a failed start, calls are refused this long before the next attempt. */
const RESTART_BACKOFF_MS = 5_000;

export class PostgresDependency {
  readonly mode: 'embedded' | 'external';
  readonly policies: DependencyPolicies<PostgresOperation>;
  readonly #options: PostgresDependencyOptions;
  readonly #calls: InstrumentedCalls<PostgresOperation>;
  /** Background bookkeeping waits here (unbounded: each kind of background work runs a bounded number of workers). */
  readonly #backgroundLane: BulkheadPolicy;
  #ready: Promise<PostgresPool> | undefined;
  #pool: PostgresPool | undefined;
  #location: PostgresLocation | undefined;
  #failedAt = 0;
  #closing = false;

  constructor(options: PostgresDependencyOptions) {
    this.#options = options;
    this.mode = options.mode;
    // The embedded server is a single session: one connection, one statement at a time.
    const poolSize = options.mode === 'embedded' ? 1 : options.config.poolMax;
    this.policies = new DependencyPolicies(postgresPolicySheet(options.config, poolSize));
    bridgeTelemetry(this.policies, options.metrics, options.logger);
    this.#calls = new InstrumentedCalls(this.policies, options.metrics);
    this.#backgroundLane = bulkhead(backgroundLaneSize(poolSize), Number.MAX_SAFE_INTEGER);
  }

  /** The embedded server has not been started: nothing has used the store since this process began. */
  get dormant(): boolean {
    return this.mode === 'embedded' && this.#pool === undefined;
  }

  /** Starts (or connects) and migrates now rather than on first use; failures are logged, and retried on use. */
  warmUp(): void {
    this.#whenReady().catch(() => undefined);
  }

  /** Runs `work` on one pooled connection under the policies of `operation`. */
  query<T>(operation: PostgresOperation, work: (client: PostgresClient, signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#run(operation, signal, (pool, attemptSignal) => pool.withClient(attemptSignal, (client) => work(client, attemptSignal)));
  }

  /** Like query, inside one transaction; a retry (serialization failure, lost connection) re-runs it whole. */
  transaction<T>(operation: PostgresOperation, work: (client: PostgresClient, signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#run(operation, signal, (pool, attemptSignal) => pool.transaction(attemptSignal, (client) => work(client, attemptSignal)));
  }

  /** What health output shows; `startFailed` while the last start failed (and calls are refused for a while). */
  status() {
    return {
      mode: this.mode,
      upstream: this.#options.upstreamLabel,
      started: this.#pool !== undefined,
      startFailed: this.#failedAt !== 0,
      pool: this.#pool?.stats ?? null,
    };
  }

  /** One `SELECT 1` on the pool, outside the policies (a health probe must neither trip nor heal the breaker). */
  async ping(signal: AbortSignal): Promise<void> {
    if (!this.#pool) throw new Error('the vector store is not started');
    await this.#pool.withClient(signal, (client) => client.query('SELECT 1'));
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#pool?.end().catch(() => undefined);
    await this.#location?.close();
    this.#options.onClose?.();
  }

  async #run<T>(operation: PostgresOperation, signal: AbortSignal, attempt: (pool: PostgresPool, attemptSignal: AbortSignal) => Promise<T>): Promise<T> {
    const pool = await this.#whenReady();
    const spec = { operation, model: operation, attemptSpanName: `postgres ${operation}`, attributes: { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL } };
    const run = () => this.#calls.run(spec, signal, ({ signal: attemptSignal }) => attempt(pool, attemptSignal));
    return BACKGROUND_OPERATIONS.has(operation) ? this.#backgroundLane.execute(run, signal) : run();
  }

  /** The server Levee started went away (a crash): the next call starts a new one. */
  #forget(location: PostgresLocation): void {
    if (this.#closing || this.#location !== location) return;
    this.#location = undefined;
    this.#ready = undefined;
    void this.#pool?.end().catch(() => undefined);
    this.#pool = undefined;
  }

  #whenReady(): Promise<PostgresPool> {
    if (this.#ready) return this.#ready;
    const waitMs = this.#failedAt + RESTART_BACKOFF_MS - Date.now();
    if (waitMs > 0) {
      return Promise.reject(
        new LeveeError('dependency_unavailable', 'The vector store is not available; retry shortly.', { headers: retryAfterHeader(waitMs) }),
      );
    }
    this.#ready = this.#start().catch((error: unknown) => {
      this.#ready = undefined;
      this.#failedAt = Date.now();
      this.#options.logger.error({ err: error, mode: this.mode }, 'vector store unavailable: could not start or migrate');
      throw new LeveeError('dependency_unavailable', 'The vector store is not available; retry shortly.', {
        cause: error,
        headers: retryAfterHeader(RESTART_BACKOFF_MS),
      });
    });
    return this.#ready;
  }

  async #start(): Promise<PostgresPool> {
    const started = performance.now();
    if (!this.#location) {
      const location = await this.#options.locate();
      this.#location = location;
      void location.exited?.then(() => this.#forget(location));
    }
    const { config } = this.#options;
    const pool = new PostgresPool({ url: this.#location.url, max: this.mode === 'embedded' ? 1 : config.poolMax, statementTimeoutMs: config.timeout.ceilingMs });
    try {
      const spec = { operation: 'migrate' as const, model: 'migrate', attemptSpanName: 'postgres migrate' };
      const applied = await this.#calls.run(spec, new AbortController().signal, ({ signal }) => pool.withClient(signal, migrate));
      this.#pool = pool;
      this.#failedAt = 0;
      this.#options.logger.info({ mode: this.mode, migrations_applied: applied, ready_ms: Math.round(performance.now() - started) }, 'vector store ready');
      return pool;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }
}
