/**
 * The retrieval suite with DATABASE_URL pointing at a separately started server, the code path of
 * a real PostgreSQL: the PGlite server `npm run db` runs, reached like any PostgreSQL with pgvector.
 * It serves one connection, hence POSTGRES_POOL_MAX=1.
 */
import { join } from 'node:path';
import { startStandalonePostgres } from './support/standalone-postgres.ts';
import { describeRetrieval } from './support/retrieval-suite.ts';

describeRetrieval('retrieval on a Postgres server at DATABASE_URL', async (scratchDir) => {
  const server = await startStandalonePostgres(join(scratchDir, 'postgres-data'));
  return { env: { DATABASE_URL: server.url, POSTGRES_POOL_MAX: '1' }, stop: server.stop };
});
