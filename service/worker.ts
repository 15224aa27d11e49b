/**
 * `npm run worker`: a Levee that runs background jobs (batches) and serves only its health and
 * metrics, for a fleet sharing one Postgres server (DATABASE_URL): API replicas queue the work,
 * workers like this one (and the API replicas' own, JOB_CONCURRENCY) take it.
 */
import { main } from './main.ts';

await main({ role: 'worker' });
