/**
 * What Files API requests must look like, as OpenAI documents them: the purposes a client may
 * upload with, the multipart fields of an upload, the list query, and file ids in paths.
 */
import { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../../errors.ts';
import { storable } from '../validate.ts';

/** The purposes a client may upload a file with. */
export const UPLOAD_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
/** Purposes of files Levee writes itself (clients read and delete them, never upload them). */
const OUTPUT_PURPOSES = ['batch_output'] as const;
export type OutputPurpose = (typeof OUTPUT_PURPOSES)[number];

const UPLOAD_PURPOSE_LIST = UPLOAD_PURPOSES.map((purpose) => `'${purpose}'`).join(', ');

/** `expires_after[seconds]` bounds, OpenAI's: one hour to thirty days. */
const MIN_EXPIRES_AFTER_SECONDS = 3_600;
const MAX_EXPIRES_AFTER_SECONDS = 2_592_000;
export const MAX_FILENAME_CHARACTERS = 512;

const DEFAULT_LIST_LIMIT = 10_000;
const MAX_LIST_LIMIT = 10_000;

/** Ids Levee hands out: `file-` and 32 hex digits. Anything else cannot name a file. */
const FILE_ID_PATTERN = /^file-[0-9a-f]{32}$/;

/** 404 in OpenAI's words, for a missing, expired or foreign file alike. */
export function fileNotFound(id: string): NotFoundError {
  return new NotFoundError(`No such File object: ${id.slice(0, 128)}`);
}

/** Whether `value` has the form of a file id (one that does not cannot name a stored file). */
export function isFileId(value: string): boolean {
  return FILE_ID_PATTERN.test(value);
}

/** A path segment that must name a file: 404 otherwise (it names no file, as far as the client can tell). */
export function parseFileId(value: string): string {
  if (!FILE_ID_PATTERN.test(value)) throw fileNotFound(value);
  return value;
}

/** The `purpose` field of an upload: 400 `purpose` unless it is one a client may upload with. */
export function parseUploadPurpose(value: string): string {
  if ((UPLOAD_PURPOSES as readonly string[]).includes(value)) return value;
  throw new InvalidRequestError(`Invalid 'purpose': expected one of ${UPLOAD_PURPOSE_LIST}, got ${JSON.stringify(value.slice(0, 64))}.`, 'purpose');
}

/** `expires_after[anchor]`: only `created_at` exists. */
export function parseExpiresAfterAnchor(value: string): 'created_at' {
  if (value === 'created_at') return value;
  throw new InvalidRequestError("Invalid 'expires_after.anchor': expected 'created_at'.", 'expires_after.anchor');
}

/** `expires_after[seconds]`: whole seconds from one hour to thirty days. */
export function parseExpiresAfterSeconds(value: string): number {
  const seconds = /^[0-9]{1,8}$/.test(value) ? Number(value) : Number.NaN;
  if (seconds >= MIN_EXPIRES_AFTER_SECONDS && seconds <= MAX_EXPIRES_AFTER_SECONDS) return seconds;
  throw new InvalidRequestError(
    `Invalid 'expires_after.seconds': expected an integer from ${MIN_EXPIRES_AFTER_SECONDS} to ${MAX_EXPIRES_AFTER_SECONDS}.`,
    'expires_after.seconds',
  );
}

/**
 * A stored filename: the client's, without control characters (it is quoted back in JSON and in
 * headers), at most MAX_FILENAME_CHARACTERS; `upload` when the part had none.
 */
export function cleanFilename(value: string | undefined): string {
  const cleaned = (value ?? '').replace(/\p{Cc}/gu, '').trim();
  if (cleaned === '') return 'upload';
  return [...cleaned].slice(0, MAX_FILENAME_CHARACTERS).join('').toWellFormed();
}

const limitRange = `must be an integer from 1 to ${MAX_LIST_LIMIT}`;

/** GET /v1/files query parameters (strings, as URLs carry them). */
const listQuerySchema = z.object({
  purpose: z.enum([...UPLOAD_PURPOSES, ...OUTPUT_PURPOSES], { error: `must be one of ${[...UPLOAD_PURPOSES, ...OUTPUT_PURPOSES].join(', ')}` }).optional(),
  limit: z
    .string({ error: limitRange })
    .regex(/^[0-9]{1,6}$/, { error: limitRange })
    .transform(Number)
    .pipe(z.int().min(1, { error: limitRange }).max(MAX_LIST_LIMIT, { error: limitRange }))
    .optional(),
  order: z.enum(['asc', 'desc'], { error: "must be 'asc' or 'desc'" }).optional(),
  after: storable(z.string({ error: 'must be a file id' }).min(1, { error: 'must be a file id' }).max(128, { error: 'must be a file id' })).optional(),
});

export interface ListQuery {
  purpose: string | undefined;
  limit: number;
  order: 'asc' | 'desc';
  after: string | undefined;
}

/** The list query, defaults applied; 400 naming the parameter at fault. */
export function parseListQuery(query: unknown): ListQuery {
  const parsed = listQuerySchema.safeParse(query);
  if (!parsed.success) throw InvalidRequestError.fromZod(parsed.error);
  const { purpose, limit, order, after } = parsed.data;
  return { purpose, limit: limit ?? DEFAULT_LIST_LIMIT, order: order ?? 'desc', after };
}
