/**
 * The import tables' row mapping (the tables: migrations 7 and 8 in deps/postgres/migrations.ts).
 * Timestamps are stored as timestamptz and shown in epoch seconds, as the Batch API shows its own.
 */
import type { DocumentImport, ImportError, ImportStatus } from './import-store.ts';

export const IMPORT_COLUMNS = `id, owner, collection, file_id, status, errors,
  extract(epoch FROM created_at)::float8 AS created_at, extract(epoch FROM in_progress_at)::float8 AS in_progress_at,
  extract(epoch FROM completed_at)::float8 AS completed_at, extract(epoch FROM failed_at)::float8 AS failed_at,
  extract(epoch FROM cancelled_at)::float8 AS cancelled_at, total, completed, failed, prompt_tokens, total_tokens`;

export interface ImportRow {
  id: string;
  owner: string;
  collection: string;
  file_id: string;
  status: ImportStatus;
  errors: ImportError[] | null;
  created_at: number;
  in_progress_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  cancelled_at: number | null;
  total: number;
  completed: number;
  failed: number;
  /** bigint, as pg returns it: text. */
  prompt_tokens: string;
  total_tokens: string;
}

const seconds = (value: number | null): number | null => (value === null ? null : Math.floor(value));

export function toImport(row: ImportRow): DocumentImport {
  return {
    id: row.id,
    owner: row.owner,
    collection: row.collection,
    fileId: row.file_id,
    status: row.status,
    errors: row.errors,
    createdAt: Math.floor(row.created_at),
    inProgressAt: seconds(row.in_progress_at),
    completedAt: seconds(row.completed_at),
    failedAt: seconds(row.failed_at),
    cancelledAt: seconds(row.cancelled_at),
    counts: { total: row.total, completed: row.completed, failed: row.failed },
    usage: { promptTokens: Number(row.prompt_tokens), totalTokens: Number(row.total_tokens) },
  };
}
