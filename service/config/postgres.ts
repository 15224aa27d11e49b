/**
 * The vector store's tunables: where the embedded Postgres keeps its data, the pool, and the
 * bounds of its adaptive timeouts (whose ceiling is also the server's statement_timeout).
 */
import { z } from 'zod';
import { integer, type ParsedEnvironment } from './env-parsers.ts';

export const postgresEnvironment = {
  /** The embedded Postgres (PGlite) keeps its files here; one Levee (or `npm run db`) per directory. */
  DATA_DIR: z.string().trim().min(1, { error: 'must not be empty' }).default('./data'),
  /** Pooled connections to DATABASE_URL (the embedded server takes one: it is a single session). */
  POSTGRES_POOL_MAX: integer({ min: 1, max: 1_000 }).default(10),
  /** Attempt timeout = 3 × live P95 per operation, clamped to [floor, ceiling]… */
  POSTGRES_TIMEOUT_FLOOR_MS: integer({ min: 1 }).default(1_000),
  /** …the ceiling is also set as the server's statement_timeout, so the server stops too… */
  POSTGRES_TIMEOUT_CEILING_MS: integer({ min: 1 }).default(30_000),
  /** …and this until enough samples. */
  POSTGRES_TIMEOUT_DEFAULT_MS: integer({ min: 1 }).default(10_000),
  /** Calls in all for transient failures (connection, serialization), the first included. */
  POSTGRES_RETRY_MAX_ATTEMPTS: integer({ min: 1, max: 10 }).default(3),
};

type PostgresEnvironment = ParsedEnvironment<typeof postgresEnvironment>;

export interface PostgresConfig {
  dataDir: string;
  poolMax: number;
  timeout: { floorMs: number; ceilingMs: number; defaultMs: number };
  retryMaxAttempts: number;
}

export function postgresConfig(env: PostgresEnvironment): PostgresConfig {
  return {
    dataDir: env.DATA_DIR,
    poolMax: env.POSTGRES_POOL_MAX,
    timeout: {
      floorMs: Math.min(env.POSTGRES_TIMEOUT_FLOOR_MS, env.POSTGRES_TIMEOUT_CEILING_MS),
      ceilingMs: env.POSTGRES_TIMEOUT_CEILING_MS,
      defaultMs: Math.min(env.POSTGRES_TIMEOUT_DEFAULT_MS, env.POSTGRES_TIMEOUT_CEILING_MS),
    },
    retryMaxAttempts: env.POSTGRES_RETRY_MAX_ATTEMPTS,
  };
}
