/**
 * Chooses the vector store's server: DATABASE_URL when set (connected and migrated at once, in
 * the background), else the embedded PGlite server in a child process on DATA_DIR. The data
 * directory is locked here, at start-up, so a second Levee on it refuses to start with a clear
 * message even though the server itself starts only on first use.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PostgresConfig } from '../../config/postgres.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { acquireDataDirLock } from './embedded/data-dir-lock.ts';
import { startEmbeddedPostgres } from './embedded/embedded-postgres.ts';
import { PostgresDependency } from './postgres-dependency.ts';

export interface CreatePostgresOptions {
  databaseUrl: string | undefined;
  config: PostgresConfig;
  metrics: Metrics;
  logger: Logger;
}

/** @throws DataDirInUseError when another process holds DATA_DIR. */
export function createPostgresDependency({ databaseUrl, config, metrics, logger }: CreatePostgresOptions): PostgresDependency {
  if (databaseUrl) {
    const url = new URL(databaseUrl);
    const postgres = new PostgresDependency({
      mode: 'external',
      locate: async () => ({ url: databaseUrl, close: async () => undefined }),
      upstreamLabel: `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`,
      config,
      metrics,
      logger,
    });
    postgres.warmUp();
    return postgres;
  }
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDataDirLock(dataDir);
  logger.info({ data_dir: dataDir }, 'DATABASE_URL unset: the vector store is an embedded Postgres (PGlite), started on first use');
  return new PostgresDependency({
    mode: 'embedded',
    locate: async () => {
      const embedded = await startEmbeddedPostgres({ dataDir, logger, lockHeldByParent: true });
      return { url: embedded.url, close: embedded.close, exited: embedded.exited };
    },
    onClose: () => lock.release(),
    upstreamLabel: `embedded PGlite in ${dataDir}`,
    config,
    metrics,
    logger,
  });
}
