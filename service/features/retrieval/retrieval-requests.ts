/**
 * What retrieval requests must look like, and their limits. Bodies are strict (a misspelt
 * `topk` is a 400 naming it, not a silently ignored field); each rule names the exact field
 * at fault, in OpenAI's `documents[3].text` notation.
 */
import { z } from 'zod';
import { MAX_COLLECTION_DIMENSION } from '../../capabilities/vector-store/vector-store.ts';
import { formatParam, InvalidRequestError } from '../../errors.ts';
import { storable } from '../validate.ts';

/** Collection names: what the catalogue's CHECK constraint allows. */
const COLLECTION_NAME_PATTERN = /^[a-z0-9_-]{1,63}$/;
const MAX_DOCUMENTS_PER_UPSERT = 1_000;
const MAX_DOCUMENT_ID_CHARACTERS = 256;
/** Per document text (and query): about 8k tokens, text-embedding-3's input limit. */
const MAX_TEXT_CHARACTERS = 32_000;
export const MAX_METADATA_KEYS = 32;
const MAX_METADATA_KEY_CHARACTERS = 64;
const MAX_METADATA_STRING_CHARACTERS = 1_024;
export const DEFAULT_TOP_K = 10;
const MAX_TOP_K = 100;
const MAX_QUERIES = 32;
export const DEFAULT_PAGE_LIMIT = 20;
const MAX_PAGE_LIMIT = 100;

const collectionNameSchema = z.string().regex(COLLECTION_NAME_PATTERN, { error: 'must be 1 to 63 characters of a-z, 0-9, _ and -' });

// No control characters: ids travel in URL paths and are quoted in error messages.
const documentIdSchema = storable(
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(MAX_DOCUMENT_ID_CHARACTERS, { error: `must be at most ${MAX_DOCUMENT_ID_CHARACTERS} characters` })
    .regex(/^[^\p{Cc}]+$/u, { error: 'must not contain control characters' }),
);

const text = storable(
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(MAX_TEXT_CHARACTERS, { error: `must be at most ${MAX_TEXT_CHARACTERS} characters` }),
);

const scalar = z.union([storable(z.string().max(MAX_METADATA_STRING_CHARACTERS)), z.number(), z.boolean(), z.null()], {
  error: `must be a string (at most ${MAX_METADATA_STRING_CHARACTERS} characters), number, boolean or null`,
});

const keyLength = `must be 1 to ${MAX_METADATA_KEY_CHARACTERS} characters`;

/** A flat object of scalars: what equality filters can match on. */
const metadata = z
  .record(storable(z.string().min(1, { error: keyLength }).max(MAX_METADATA_KEY_CHARACTERS, { error: keyLength })), scalar)
  .refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, { error: `must have at most ${MAX_METADATA_KEYS} keys` });

const topKRange = `must be an integer from 1 to ${MAX_TOP_K}`;
const topK = z.int({ error: topKRange }).min(1, { error: topKRange }).max(MAX_TOP_K, { error: topKRange });

export const createCollectionSchema = z.strictObject({
  name: collectionNameSchema,
  /** The embedding model every document and query of the collection is embedded with. */
  model: storable(z.string().min(1, { error: 'must not be empty' }).max(256)),
  /** The model's vector size; fixed for the collection's life. */
  dimension: z.int({ error: `must be an integer from 1 to ${MAX_COLLECTION_DIMENSION}` }).min(1).max(MAX_COLLECTION_DIMENSION, {
    error: `must be at most ${MAX_COLLECTION_DIMENSION} (pgvector's HNSW limit)`,
  }),
});

/** One document: of an upsert, and of each line of an import file. */
export const documentSchema = z.strictObject({ id: documentIdSchema, text, metadata: metadata.optional() });

export const upsertDocumentsSchema = z
  .strictObject({
    documents: z
      .array(documentSchema)
      .min(1, { error: 'must contain at least one document' })
      .max(MAX_DOCUMENTS_PER_UPSERT, { error: `must contain at most ${MAX_DOCUMENTS_PER_UPSERT} documents per call` }),
  })
  .superRefine((request, context) => {
    const firstIndex = new Map<string, number>();
    request.documents.forEach((document, index) => {
      const earlier = firstIndex.get(document.id);
      if (earlier === undefined) firstIndex.set(document.id, index);
      else context.addIssue({ code: 'custom', path: ['documents', index, 'id'], message: `duplicates documents[${earlier}].id; ids must be unique within a call` });
    });
  });

const searchQuery = z.union([text, z.strictObject({ query: text, top_k: topK.optional(), filter: metadata.optional() })]);

export const searchSchema = z
  .strictObject({
    query: text.optional(),
    queries: z
      .array(searchQuery)
      .min(1, { error: 'must contain at least one query' })
      .max(MAX_QUERIES, { error: `must contain at most ${MAX_QUERIES} queries` })
      .optional(),
    /** Default for every query; a batch item may set its own. */
    top_k: topK.optional(),
    filter: metadata.optional(),
  })
  .superRefine((request, context) => {
    if (request.query !== undefined && request.queries !== undefined) {
      context.addIssue({ code: 'custom', path: ['queries'], message: "give either 'query' or 'queries', not both" });
    } else if (request.query === undefined && request.queries === undefined) {
      context.addIssue({ code: 'custom', path: ['query'], message: "is required (or 'queries' for a batch)" });
    }
  });

const limitRange = `must be an integer from 1 to ${MAX_PAGE_LIMIT}`;

/** Query-string parameters of list endpoints (strings, as URLs carry them). */
export const pageQuerySchema = z.strictObject({
  limit: z
    .string({ error: limitRange })
    .regex(/^[0-9]{1,6}$/, { error: limitRange })
    .transform(Number)
    .pipe(z.int().min(1, { error: limitRange }).max(MAX_PAGE_LIMIT, { error: limitRange }))
    .optional(),
  after: storable(z.string().min(1).max(MAX_DOCUMENT_ID_CHARACTERS)).optional(),
});

export type Metadata = z.output<typeof metadata>;
export type SearchRequest = z.output<typeof searchSchema>;

/** Parses with `schema`, or throws a 400 naming the field at fault as precisely as it can. */
export function parseRetrievalRequest<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new InvalidRequestError('Invalid request body.');
  const { path, message, unrecognized } = preciseIssue(issue);
  const param = formatParam(path);
  if (unrecognized) throw new InvalidRequestError(`Unrecognized request argument supplied: ${param}`, param);
  throw new InvalidRequestError(param ? `Invalid '${param}': ${message}` : `Invalid request body: ${message}`, param || undefined);
}

/**
 * The issue to report: an unknown key by its own name, and for a union (a batch query is a
 * string or an object) the failure inside the one option of the right type, so `queries[0]`
 * becomes `queries[0].filter.kind`.
 */
function preciseIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string; unrecognized?: true } {
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) return { path: [...issue.path, issue.keys[0]], message: issue.message, unrecognized: true };
  if (issue.code === 'invalid_key') {
    // Named by the object holding the key: a path ending in a bad (perhaps empty) key reads badly.
    const key = issue.path.at(-1);
    return { path: issue.path.slice(0, -1), message: `key ${JSON.stringify(String(key))}: ${issue.issues[0]?.message ?? issue.message}` };
  }
  if (issue.code === 'invalid_union') {
    const wrongTypeOnly = (branch: z.core.$ZodIssue[]) => branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
    const candidates = issue.errors.filter((branch) => !wrongTypeOnly(branch));
    const inner = candidates.length === 1 ? candidates[0]![0] : undefined;
    if (inner) {
      const precise = preciseIssue(inner);
      return { ...precise, path: [...issue.path, ...precise.path] };
    }
  }
  return { path: issue.path, message: issue.message };
}

/** A path segment that must be a collection name: 400 `name` otherwise. */
export function parseCollectionName(value: string): string {
  if (!COLLECTION_NAME_PATTERN.test(value)) throw new InvalidRequestError("Invalid 'name': must be 1 to 63 characters of a-z, 0-9, _ and -", 'name');
  return value;
}

/** A path segment that must be a document id: 400 `id` otherwise. */
export function parseDocumentId(value: string): string {
  const parsed = documentIdSchema.safeParse(value);
  if (!parsed.success) throw InvalidRequestError.fromZod(parsed.error, ['id']);
  return parsed.data;
}
