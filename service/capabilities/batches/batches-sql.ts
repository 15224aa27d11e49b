/**
 * The batch tables' row mapping (the tables: migration 5 in deps/postgres/migrations.ts). Timestamps
 * are stored as timestamptz and shown in epoch seconds, as the Batch API does.
 */
import type { Batch, BatchError, BatchStatus } from './batch-store.ts';

/** The timestamp column each status sets when a batch enters it. */
export const STATUS_TIMESTAMP: Partial<Record<BatchStatus, string>> = {
  in_progress: 'in_progress_at',
  finalizing: 'finalizing_at',
  completed: 'completed_at',
  failed: 'failed_at',
  expired: 'expired_at',
  cancelling: 'cancelling_at',
  cancelled: 'cancelled_at',
};

export const BATCH_COLUMNS = `id, owner, endpoint, input_file_id, completion_window, metadata, status, errors, output_file_id, error_file_id,
  extract(epoch FROM created_at)::float8 AS created_at, extract(epoch FROM in_progress_at)::float8 AS in_progress_at,
  extract(epoch FROM expires_at)::float8 AS expires_at, extract(epoch FROM finalizing_at)::float8 AS finalizing_at,
  extract(epoch FROM completed_at)::float8 AS completed_at, extract(epoch FROM failed_at)::float8 AS failed_at,
  extract(epoch FROM expired_at)::float8 AS expired_at, extract(epoch FROM cancelling_at)::float8 AS cancelling_at,
  extract(epoch FROM cancelled_at)::float8 AS cancelled_at, total, completed, failed, finalized_by`;

export interface BatchRow {
  id: string;
  owner: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  status: BatchStatus;
  errors: BatchError[] | null;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  total: number;
  completed: number;
  failed: number;
  finalized_by: string | null;
}

const seconds = (value: number | null): number | null => (value === null ? null : Math.floor(value));

export function toBatch(row: BatchRow): Batch {
  return {
    id: row.id,
    owner: row.owner,
    endpoint: row.endpoint,
    inputFileId: row.input_file_id,
    completionWindow: row.completion_window,
    metadata: row.metadata,
    status: row.status,
    errors: row.errors,
    outputFileId: row.output_file_id,
    errorFileId: row.error_file_id,
    createdAt: Math.floor(row.created_at),
    inProgressAt: seconds(row.in_progress_at),
    expiresAt: Math.floor(row.expires_at),
    finalizingAt: seconds(row.finalizing_at),
    completedAt: seconds(row.completed_at),
    failedAt: seconds(row.failed_at),
    expiredAt: seconds(row.expired_at),
    cancellingAt: seconds(row.cancelling_at),
    cancelledAt: seconds(row.cancelled_at),
    counts: { total: row.total, completed: row.completed, failed: row.failed },
    finalizedBy: row.finalized_by,
  };
}
