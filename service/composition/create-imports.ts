/**
 * Composes document imports' background side: the import store and its queue's handler (each
 * import job validating its file, then writing a few chunks at a time through the upsert's own
 * embeddings and store calls), on the shared job queue (create-jobs.ts).
 */
import type { JobNotices } from '../capabilities/job-notices/job-notices.ts';
import type { FileStore } from '../capabilities/files/file-store.ts';
import { PostgresImportStore } from '../capabilities/imports/postgres-import-store.ts';
import { PostgresVectorStore } from '../capabilities/vector-store/postgres-vector-store.ts';
import type { LlmGateway } from '../deps/llm/llm-gateway.ts';
import type { PostgresDependency } from '../deps/postgres/postgres-dependency.ts';
import type { EmbeddingsOptions } from '../features/embeddings/create-embeddings.ts';
import { runImport } from '../features/imports/import-runner.ts';
import type { ImportsDeps } from '../features/imports/imports.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { BackgroundJobs } from './create-jobs.ts';

const IMPORT_QUEUE = 'levee-imports';
/** Documents written together, all or nothing (the embeddings gateway batches their texts itself). */
const CHUNK_DOCUMENTS = 100;
/** Documents per import; the file's size is bounded already (FILE_MAX_BYTES). */
const MAX_IMPORT_DOCUMENTS = 100_000;
/**
 * Chunks of one import in flight in this process: one embeds while another writes. More would only
 * queue at the store (the embedded one is a single connection, shared with interactive calls).
 */
const CHUNKS_PER_IMPORT = 2;
/** The file is read this much per store call while validating (one stored piece). */
const READ_BYTES = 4 * 1024 * 1024;
/** A large import may run for hours on a slow store; the heartbeat, not this, catches a crash. */
const IMPORT_JOB_EXPIRY_SECONDS = 24 * 60 * 60;

export interface CreateImportsOptions {
  jobs: BackgroundJobs;
  postgres: PostgresDependency;
  files: FileStore;
  llm: LlmGateway;
  /** Batching of embedding calls (LLM_EMBEDDING_BATCH_SIZE, LLM_EMBEDDING_CONCURRENCY), as for upserts. */
  embeddings: EmbeddingsOptions;
  /** Each chunk's embedding deadline (REQUEST_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  metrics: Metrics;
  /** Told of each import's changes, for live notifications. */
  notices: JobNotices;
}

export function createImports(options: CreateImportsOptions): ImportsDeps {
  const { jobs, postgres, logger, metrics } = options;
  const store = new PostgresImportStore(postgres);
  const collections = new PostgresVectorStore(postgres);
  // Both series from 0: a first burst of failed documents is then a rate, not a series appearing.
  for (const result of ['completed', 'failed']) metrics.importDocuments.inc({ result }, 0);
  const runner = {
    store,
    files: options.files,
    retrieval: { store: collections, llm: options.llm, embeddings: options.embeddings },
    timeoutMs: options.timeoutMs,
    limits: { chunkDocuments: CHUNK_DOCUMENTS, maxDocuments: MAX_IMPORT_DOCUMENTS },
    concurrency: CHUNKS_PER_IMPORT,
    readBytes: READ_BYTES,
    onDocuments: (result: string, count: number) => metrics.importDocuments.inc({ result }, count),
    onChange: (importId: string) => options.notices.publish(importId),
  };
  jobs.handle<{ importId: string }>(IMPORT_QUEUE, { retryLimit: 20, retryDelaySeconds: 2, retryBackoff: true, expireInSeconds: IMPORT_JOB_EXPIRY_SECONDS }, async (job) => {
    try {
      await runImport(runner, job.data.importId, job.signal);
    } catch (error) {
      // The queue runs it again (chunks that ended are kept); say why it stopped.
      if (!job.signal.aborted) logger.warn({ err: error, import_id: job.data.importId }, 'import run stopped; the queue will resume it');
      throw error;
    }
  });
  return {
    store,
    files: options.files,
    collections,
    enqueue: async (importId) => {
      await jobs.send(IMPORT_QUEUE, { importId });
    },
  };
}
