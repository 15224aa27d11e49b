/**
 * The retrieval suite on embedded defaults, as `npm start` runs: DATABASE_URL unset, so Levee
 * starts its own PGlite server on DATA_DIR at first use.
 */
import { describeRetrieval } from './support/retrieval-suite.ts';

describeRetrieval('retrieval on the embedded Postgres', async () => ({ env: {}, stop: async () => undefined }));
