/**
 * Document imports into a collection: create (a bad request is refused at once and creates
 * nothing; bad lines in the file are the import's own `errors`, found by the worker), retrieve and
 * list, each scoped to the client key; an operator's cancel, whoever owns it. A created import is
 * handed to the job queue (`enqueue`).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FileStore } from '../../capabilities/files/file-store.ts';
import type { DocumentImport, ImportStore } from '../../capabilities/imports/import-store.ts';
import type { VectorStore } from '../../capabilities/vector-store/vector-store.ts';
import { InvalidRequestError, LeveeError, retryAfterHeader } from '../../errors.ts';
import { isFileId, type UPLOAD_PURPOSES } from '../files/file-requests.ts';
import { collectionNotFound } from '../retrieval/retrieval-deps.ts';
import { parseCollectionName } from '../retrieval/retrieval-requests.ts';
import { parseRequest, storable } from '../validate.ts';

/** The upload purposes a file of documents may have (a `batch` file holds requests, not documents). */
const IMPORT_PURPOSES = ['user_data', 'assistants'] as const satisfies ReadonlyArray<(typeof UPLOAD_PURPOSES)[number]>;

export interface ImportsDeps {
  store: ImportStore;
  files: FileStore;
  collections: Pick<VectorStore, 'findCollection'>;
  /** Queues the import for a worker; resolves once the job is stored. */
  enqueue: (importId: string) => Promise<void>;
}

const createImportSchema = z.strictObject({
  file_id: z.string().min(1).max(128),
});

/** The import as the API shows it. */
function importObject(entry: DocumentImport) {
  return {
    id: entry.id,
    object: 'collection.import' as const,
    collection: entry.collection,
    file_id: entry.fileId,
    status: entry.status,
    created_at: entry.createdAt,
    in_progress_at: entry.inProgressAt,
    completed_at: entry.completedAt,
    failed_at: entry.failedAt,
    cancelled_at: entry.cancelledAt,
    request_counts: entry.counts,
    errors: entry.errors === null ? null : { object: 'list' as const, data: entry.errors },
    usage: { prompt_tokens: entry.usage.promptTokens, total_tokens: entry.usage.totalTokens },
  };
}

/** POST /v1/collections/:name/imports */
export async function createImport(deps: ImportsDeps, owner: string, name: string, body: unknown, signal: AbortSignal) {
  parseCollectionName(name);
  const request = parseRequest(createImportSchema, body);
  if (!(await deps.collections.findCollection(name, signal))) throw collectionNotFound(name);
  // What is not a file id names no file: answered without asking the store (which cannot take a NUL).
  const file = isFileId(request.file_id) ? await deps.files.get(owner, request.file_id, signal) : undefined;
  if (!file) throw new LeveeError('not_found', `No such File object: ${request.file_id.slice(0, 128)}`, { param: 'file_id' });
  if (!(IMPORT_PURPOSES as readonly string[]).includes(file.purpose)) {
    throw new InvalidRequestError(`The file ${file.id} has purpose ${file.purpose}; an import needs a file uploaded with purpose ${IMPORT_PURPOSES.join(' or ')}.`, 'file_id');
  }
  const entry = await deps.store.create({ id: `imp_${randomBytes(12).toString('hex')}`, owner, collection: name, fileId: file.id }, signal);
  try {
    await deps.enqueue(entry.id);
  } catch (error) {
    // Never an import that no worker will see: it fails at once, and the client hears why.
    await deps.store.fail(entry.id, { code: 'queue_unavailable', message: 'The job queue could not take the import; create it again.', param: null, line: null }, signal).catch(() => undefined);
    throw new LeveeError('dependency_unavailable', 'The job queue is not available; retry shortly.', { cause: error, headers: retryAfterHeader(5_000) });
  }
  return importObject(entry);
}

/** GET /v1/collections/:name/imports/:id: another client's import, or one of another collection, is 404. */
/** Import ids as minted above (letters and digits after `imp_`); anything else names no import. */
const IMPORT_ID = /^imp_[A-Za-z0-9]{1,64}$/;

export async function getImport(deps: ImportsDeps, owner: string, name: string, id: string, signal: AbortSignal) {
  parseCollectionName(name);
  const entry = IMPORT_ID.test(id) ? await deps.store.get(owner, id, signal) : undefined;
  if (!entry || entry.collection !== name) throw new LeveeError('not_found', `No such import: ${id.slice(0, 128)}`, { param: 'import_id' });
  return importObject(entry);
}

/**
 * An operator's cancel, whoever owns the import: no new chunk starts (the worker sees it within a
 * status poll); chunks already written stay. Cancelling a cancelled import answers it again.
 */
export async function cancelAnyImport(deps: Pick<ImportsDeps, 'store'>, id: string, signal: AbortSignal) {
  const entry = IMPORT_ID.test(id) ? await deps.store.load(id, signal) : undefined;
  if (!entry) throw new LeveeError('not_found', `No such import: ${id.slice(0, 128)}`, { param: 'import_id' });
  if (!(await deps.store.cancel(entry.id, signal)) && entry.status !== 'cancelled') {
    throw new InvalidRequestError(`Cannot cancel an import that is ${entry.status}.`, 'import_id');
  }
  return importObject((await deps.store.load(entry.id, signal)) ?? entry);
}

/** The import as GET shows it, whatever its collection; undefined when it is not the owner's. */
export async function findImport(deps: Pick<ImportsDeps, 'store'>, owner: string, id: string, signal: AbortSignal) {
  const entry = await deps.store.get(owner, id, signal);
  return entry && importObject(entry);
}

/** The owner's imports still running, as GET shows them. */
export async function activeImports(deps: Pick<ImportsDeps, 'store'>, owner: string, signal: AbortSignal) {
  return (await deps.store.active(owner, ACTIVE_LIMIT, signal)).map(importObject);
}

/** Running jobs of one owner followed at once by a subscription to all of them. */
const ACTIVE_LIMIT = 100;

const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: storable(z.string().min(1).max(128)).optional(),
});

/** GET /v1/collections/:name/imports: the caller's imports into the collection, newest first. */
export async function listImports(deps: ImportsDeps, owner: string, name: string, query: unknown, signal: AbortSignal) {
  parseCollectionName(name);
  const { limit, after } = parseRequest(listQuerySchema, query);
  const page = await deps.store.list(owner, name, { limit, after }, signal);
  // As the Files and Batch APIs answer a cursor that names nothing of the caller's.
  if (!page) throw new InvalidRequestError(`No import ${JSON.stringify(String(after).slice(0, 128))} to list after.`, 'after');
  const data = page.imports.map(importObject);
  return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
}
