/**
 * The retrieval suite on embedded defaults (issue #6, acceptance 1, 5, 6): DATABASE_URL unset,
 * so Levee starts its own PGlite server on DATA_DIR at first use.
 */
import { describeRetrieval } from './support/retrieval-suite.ts';

describeRetrieval('retrieval on the embedded Postgres', async () => ({ env: {}, stop: async () => undefined }));
