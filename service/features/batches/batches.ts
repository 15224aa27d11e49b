/**
 * The OpenAI Batch API's use cases: create (a bad request is refused at once and creates nothing;
 * bad file content is the batch's own `validating` failure, found by the worker), retrieve, list
 * and cancel, each scoped to the client key, and an operator's cancel, whoever owns it. A created
 * batch is handed to the job queue (`enqueue`).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Batch, BatchStore } from '../../capabilities/batches/batch-store.ts';
import type { FileStore } from '../../capabilities/files/file-store.ts';
import { InvalidRequestError, LeveeError, retryAfterHeader } from '../../errors.ts';
import { isFileId } from '../files/file-requests.ts';
import { parseRequest, storable } from '../validate.ts';
import { BATCH_ENDPOINTS } from './run-line.ts';

/** The only completion window OpenAI offers. */
const COMPLETION_WINDOW_SECONDS = { '24h': 86_400 } as const;

export interface BatchesDeps {
  store: BatchStore;
  files: FileStore;
  /** Queues the batch for a worker; resolves once the job is stored. */
  enqueue: (batchId: string) => Promise<void>;
}

const createBatchSchema = z.strictObject({
  input_file_id: z.string().min(1).max(128),
  endpoint: z.enum(BATCH_ENDPOINTS, { error: `must be one of ${BATCH_ENDPOINTS.join(', ')}` }),
  completion_window: z.enum(['24h'], { error: 'must be 24h' }),
  // OpenAI's limits: 16 pairs, keys up to 64 characters, values up to 512.
  metadata: z
    .record(storable(z.string().max(64)), storable(z.string().max(512)))
    .refine((value) => Object.keys(value).length <= 16, { error: 'must have at most 16 keys' })
    .nullish(),
});

/** The batch as the API shows it. */
function batchObject(batch: Batch) {
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: batch.errors === null ? null : { object: 'list', data: batch.errors },
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: batch.createdAt,
    in_progress_at: batch.inProgressAt,
    expires_at: batch.expiresAt,
    finalizing_at: batch.finalizingAt,
    completed_at: batch.completedAt,
    failed_at: batch.failedAt,
    expired_at: batch.expiredAt,
    cancelling_at: batch.cancellingAt,
    cancelled_at: batch.cancelledAt,
    request_counts: batch.counts,
    metadata: batch.metadata,
  };
}

export async function createBatch(deps: BatchesDeps, owner: string, body: unknown, signal: AbortSignal) {
  const request = parseRequest(createBatchSchema, body);
  // What is not a file id names no file: answered without asking the store (which cannot take a NUL).
  const file = isFileId(request.input_file_id) ? await deps.files.get(owner, request.input_file_id, signal) : undefined;
  if (!file) throw new LeveeError('not_found', `No such File object: ${request.input_file_id.slice(0, 128)}`, { param: 'input_file_id' });
  if (file.purpose !== 'batch') throw new InvalidRequestError(`The file ${file.id} has purpose ${file.purpose}; a batch needs a file uploaded with purpose batch.`, 'input_file_id');
  const batch = await deps.store.create(
    {
      id: `batch_${randomBytes(12).toString('hex')}`,
      owner,
      endpoint: request.endpoint,
      inputFileId: file.id,
      completionWindow: request.completion_window,
      metadata: request.metadata ?? null,
      createdAt: Math.floor(Date.now() / 1000),
      expiresAt: Math.floor(Date.now() / 1000) + COMPLETION_WINDOW_SECONDS[request.completion_window],
    },
    signal,
  );
  try {
    await deps.enqueue(batch.id);
  } catch (error) {
    // Never a batch that no worker will see: it fails at once, and the client hears why.
    await deps.store.fail(batch.id, [{ code: 'queue_unavailable', message: 'The job queue could not take the batch; create it again.', param: null, line: null }], signal).catch(() => undefined);
    throw new LeveeError('dependency_unavailable', 'The job queue is not available; retry shortly.', { cause: error, headers: retryAfterHeader(5_000) });
  }
  return batchObject(batch);
}

/** Batch ids as minted above (letters and digits after `batch_`); anything else names no batch. */
const BATCH_ID = /^batch_[A-Za-z0-9]{1,64}$/;

export async function getBatch(deps: BatchesDeps, owner: string, id: string, signal: AbortSignal) {
  const batch = BATCH_ID.test(id) ? await deps.store.get(owner, id, signal) : undefined;
  if (!batch) throw new LeveeError('not_found', `No such Batch object: ${id.slice(0, 128)}`, { param: 'batch_id' });
  return batchObject(batch);
}

/** The batch as GET shows it; undefined when it is not the owner's. */
export async function findBatch(deps: Pick<BatchesDeps, 'store'>, owner: string, id: string, signal: AbortSignal) {
  const batch = await deps.store.get(owner, id, signal);
  return batch && batchObject(batch);
}

/** The owner's batches still running, as GET shows them. */
export async function activeBatches(deps: Pick<BatchesDeps, 'store'>, owner: string, signal: AbortSignal) {
  return (await deps.store.active(owner, ACTIVE_LIMIT, signal)).map(batchObject);
}

/** Running batches of one owner followed at once by a subscription to all of them. */
const ACTIVE_LIMIT = 100;

const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: storable(z.string().min(1).max(128)).optional(),
});

export async function listBatches(deps: BatchesDeps, owner: string, query: unknown, signal: AbortSignal) {
  const { limit, after } = parseRequest(listQuerySchema, query);
  const page = await deps.store.list(owner, { limit, after }, signal);
  // As the Files API answers a cursor that names nothing of the caller's.
  if (!page) throw new InvalidRequestError(`No batch ${JSON.stringify(String(after).slice(0, 128))} to list after.`, 'after');
  const data = page.batches.map(batchObject);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
}

/**
 * Stops new lines within a status poll; the last running chunk then writes what finished and ends
 * `cancelled` — or, when no chunk runs, the batch job queued here does.
 */
export async function cancelBatch(deps: BatchesDeps, owner: string, id: string, signal: AbortSignal) {
  const batch = BATCH_ID.test(id) ? await deps.store.get(owner, id, signal) : undefined;
  return cancelFound(deps, batch, id, signal);
}

/** An operator's cancel (POST /admin/batches/:id/cancel): the same, whoever owns the batch. */
export async function cancelAnyBatch(deps: BatchesDeps, id: string, signal: AbortSignal) {
  const batch = BATCH_ID.test(id) ? await deps.store.load(id, signal) : undefined;
  return cancelFound(deps, batch, id, signal);
}

async function cancelFound(deps: BatchesDeps, batch: Batch | undefined, id: string, signal: AbortSignal) {
  if (!batch) throw new LeveeError('not_found', `No such Batch object: ${id.slice(0, 128)}`, { param: 'batch_id' });
  if (!(await deps.store.transition(batch.id, ['validating', 'in_progress'], 'cancelling', undefined, signal)) && batch.status !== 'cancelling') {
    throw new InvalidRequestError(`Cannot cancel a batch that is ${batch.status}.`, 'batch_id');
  }
  // Closes it when no chunk runs; if this fails the client's retry of the cancel queues it again.
  await deps.enqueue(batch.id);
  return getBatch(deps, batch.owner, batch.id, signal);
}
