/**
 * The vector store's policy sheet. Settings: POSTGRES_* (service/config/postgres.ts); the other
 * numbers are fixed below. Metrics: the same as every dependency's, labelled
 * `dependency="postgres"` and `operation` (levee_bulkhead_*, levee_dependency_retries_total,
 * levee_circuit_breaker_*, levee_adaptive_timeout_seconds, …).
 *
 *   bulkhead   as many calls as the pool has connections (POSTGRES_POOL_MAX; the embedded server:
 *              one, it is one session), a few times that queued, a bounded queue wait
 *   retry      POSTGRES_RETRY_MAX_ATTEMPTS calls, short backoffs, for transient failures only:
 *              lost connections, server restarts, serialization failures and deadlocks (a
 *              transaction is retried as a whole); a statement's own error never
 *   breaker    opens on enough failures that are also half the calls; one probe later; one good
 *              probe closes it. Failures: connection errors, statement timeouts; ignored: the
 *              statement's own errors (constraints, syntax), serialization failures, aborts
 *   timeout    per operation: a multiple of the live P95, clamped to [POSTGRES_TIMEOUT_FLOOR_MS,
 *              POSTGRES_TIMEOUT_CEILING_MS], POSTGRES_TIMEOUT_DEFAULT_MS until enough samples; the
 *              ceiling is also the server's statement_timeout, so a cut query stops on the server
 *              too (migrations, upserts and file contents: the ceiling alone, they grow with their
 *              input). A call cut on the client gives up its connection, which is closed, not reused
 *   lane       background bookkeeping (BACKGROUND_OPERATIONS: the job queue, batches, imports)
 *              waits its turn in process, at most half the pool (at least one connection) at
 *              once, so it never crowds the bulkhead's queue in front of searches and upserts
 */
import type { PostgresConfig } from '../../config/postgres.ts';
import type { AdaptiveTimeoutOptions } from '../../resilience/adaptive-timeout-tracker.ts';
import type { PolicySheet } from '../../resilience/dependency-policies.ts';
import { classifyPostgresFailure } from './errors.ts';

const POSTGRES_OPERATIONS = ['migrate', 'collections', 'documents', 'upsert', 'search', 'health', 'jobs', 'batches', 'imports', 'files', 'file-content'] as const;
export type PostgresOperation = (typeof POSTGRES_OPERATIONS)[number];

/** Operations of background work, which queue in their own lane before the bulkhead. */
export const BACKGROUND_OPERATIONS: ReadonlySet<PostgresOperation> = new Set(['jobs', 'batches', 'imports']);

/** Background statements running at once: half the pool, at least one. */
export const backgroundLaneSize = (poolSize: number): number => Math.max(1, Math.floor(poolSize / 2));

export function postgresPolicySheet(config: PostgresConfig, poolSize: number): PolicySheet<PostgresOperation> {
  const timeout: AdaptiveTimeoutOptions = {
    multiplier: 3,
    floorMs: config.timeout.floorMs,
    ceilingMs: config.timeout.ceilingMs,
    defaultMs: config.timeout.defaultMs,
    windowMs: 60_000,
    minSamples: 20,
    escalateAfterTimeouts: 3,
    escalationFactor: 2,
  };
  const timeouts = Object.fromEntries(POSTGRES_OPERATIONS.map((operation) => [operation, timeout])) as Record<PostgresOperation, AdaptiveTimeoutOptions>;
  // Migrations may build indexes on large tables, and an upsert of 1,000 documents into an HNSW
  // index takes ~20 s on the embedded server: only the ceiling bounds them.
  const ceilingOnly = { ...timeout, floorMs: config.timeout.ceilingMs, defaultMs: config.timeout.ceilingMs };
  timeouts.migrate = ceilingOnly;
  timeouts.upsert = ceilingOnly;
  // A file's content goes in whole (up to FILE_MAX_BYTES) and comes out in ranges of megabytes.
  timeouts['file-content'] = ceilingOnly;
  return {
    dependency: 'postgres',
    bulkhead: { maxConcurrent: poolSize, maxQueued: poolSize * 4, queueTimeoutMs: 5_000, retryAfterMs: 1_000 },
    rateLimit: { defaultRetryAfterMs: 1_000, maxRetryAfterMs: 10_000 },
    retry: { maxAttempts: config.retryMaxAttempts, initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.25 },
    retryBudget: { ratio: 0.2, minRetriesPerSecond: 3, windowMs: 10_000 },
    breaker: { enabled: true, minimumFailures: 5, failureRateThreshold: 0.5, windowMs: 60_000, halfOpenAfterMs: 30_000, successesToClose: 1 },
    timeouts,
    classify: classifyPostgresFailure,
  };
}
