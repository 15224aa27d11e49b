/**
 * The newest background jobs, batches and imports together, whoever owns them: what the ops
 * console lists with progress bars. Only ids, statuses and counts: never an owner, a file or a
 * collection name.
 */
import type { BatchStore } from '../../capabilities/batches/batch-store.ts';
import type { ImportStore } from '../../capabilities/imports/import-store.ts';

export interface JobSummary {
  kind: 'batch' | 'import';
  id: string;
  status: string;
  /** Epoch seconds. */
  created_at: number;
  /** A batch's `request_counts`; an import's document counts. */
  total: number;
  completed: number;
  failed: number;
}

export interface JobStores {
  batches?: Pick<BatchStore, 'recent'>;
  imports?: Pick<ImportStore, 'recent'>;
}

export async function recentJobs(stores: JobStores, limit: number, signal: AbortSignal): Promise<JobSummary[]> {
  const [batches, imports] = await Promise.all([stores.batches?.recent(limit, signal) ?? [], stores.imports?.recent(limit, signal) ?? []]);
  const jobs: JobSummary[] = [
    ...batches.map((batch) => ({ kind: 'batch' as const, id: batch.id, status: batch.status, created_at: batch.createdAt, ...batch.counts })),
    ...imports.map((entry) => ({ kind: 'import' as const, id: entry.id, status: entry.status, created_at: entry.createdAt, ...entry.counts })),
  ];
  // Newest first; ids break ties (both stores order so), so the order is stable between polls.
  return jobs.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, limit);
}
