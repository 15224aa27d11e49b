/**
 * The soak's one batch: BATCH_LINES chat lines for the batch model (which the simulators answer in
 * a second), uploaded through the Files API, created, and polled every few seconds until it ends
 * (the subscribers are told of it too). It runs through the first fault (the latency shift) and
 * ends within the first minute: the upstream connections its lines held are idle then, and closed
 * before minute 3, where the resource trends start.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { FormData } from 'undici';
import type { SoakClient } from './client.ts';
import type { BatchRecord } from './soak-results.ts';
import { BATCH_MODEL } from './stack.ts';

export const BATCH_LINES = 1_000;
const POLL_EVERY_MS = 5_000;
const FINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

interface BatchObject {
  id: string;
  status: string;
  request_counts: { total: number; completed: number; failed: number };
}

function inputFile(lines: number): string {
  return Array.from({ length: lines }, (_, index) =>
    JSON.stringify({
      custom_id: `line-${index}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: BATCH_MODEL, max_tokens: 8, messages: [{ role: 'user', content: `Batch line ${index}` }] },
    }),
  ).join('\n');
}

/** Uploads the input file and creates the batch; throws when Levee refuses either. */
export async function createBatch(client: SoakClient, lines = BATCH_LINES): Promise<BatchRecord> {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([inputFile(lines)], { type: 'application/jsonl' }), 'soak-batch.jsonl');
  const upload = await client.send({ kind: 'batch', method: 'POST', path: '/v1/files', body: form });
  const fileId = (upload.json as { id?: string } | undefined)?.id;
  if (upload.record.status !== 200 || !fileId) throw new Error(`soak: the batch file upload answered ${upload.record.status} ${upload.record.code ?? ''}`);
  const created = await client.send({ kind: 'batch', method: 'POST', path: '/v1/batches', body: { input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' } });
  const batch = created.json as BatchObject | undefined;
  if (created.record.status !== 200 || !batch?.id) throw new Error(`soak: creating the batch answered ${created.record.status} ${created.record.code ?? ''}`);
  return { id: batch.id, lines, createdMs: created.record.endMs, status: batch.status };
}

/** Polls the batch until it ends or `signal` aborts; updates `batch` in place. */
export async function followBatch(client: SoakClient, batch: BatchRecord, signal: AbortSignal): Promise<void> {
  while (!signal.aborted && !FINAL.has(batch.status ?? '')) {
    await delay(POLL_EVERY_MS, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    const { record, json } = await client.send({ kind: 'batch', method: 'GET', path: `/v1/batches/${batch.id}`, route: 'GET /v1/batches/:id' });
    const current = json as BatchObject | undefined;
    if (record.status !== 200 || !current) continue;
    batch.status = current.status;
    batch.requestCounts = current.request_counts;
    if (FINAL.has(current.status)) batch.finishedMs = record.endMs;
  }
}
