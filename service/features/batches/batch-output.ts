/**
 * The output and error files of a finished batch, in OpenAI's line format:
 * `{"id":"batch_req_…","custom_id":…,"response":{"status_code":…,"request_id":…,"body":…},"error":null}`.
 * Lines that answered 2xx go to the output file, the others (and, when the batch expired, the
 * lines it never ran, with `error.code` `batch_expired`) to the error file; a file with no line
 * is not written.
 */
import type { Batch, BatchStore, FinishedLine } from '../../capabilities/batches/batch-store.ts';
import type { Files } from '../files/files.ts';

/** Lines of a never-run (expired) batch listed at most: the completion window is per batch, the file is bounded anyway. */
const UNFINISHED_LIMIT = 50_000;
/** Every line of the batch (line numbers start at 1). */
const EVERY_LINE = { first: 1, last: 2 ** 31 - 1 };

export async function writeBatchOutput(
  deps: { store: BatchStore; outputFiles: Pick<Files, 'createOutputFile'> },
  batch: Batch,
  finished: readonly FinishedLine[],
  expired: boolean,
  signal: AbortSignal,
): Promise<{ outputFileId: string | null; errorFileId: string | null }> {
  const output: string[] = [];
  const errors: string[] = [];
  for (const line of finished) {
    const entry = JSON.stringify({
      id: requestLineId(batch.id, line.line),
      custom_id: line.customId,
      response: line.statusCode === null ? null : { status_code: line.statusCode, request_id: line.requestId, body: line.body },
      error: line.error,
    });
    (line.statusCode !== null && line.statusCode < 300 ? output : errors).push(entry);
  }
  if (expired) {
    for (const line of await deps.store.pending(batch.id, UNFINISHED_LIMIT, [], EVERY_LINE, signal)) {
      errors.push(
        JSON.stringify({
          id: requestLineId(batch.id, line.line),
          custom_id: line.customId,
          response: null,
          error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
        }),
      );
    }
  }
  const write = async (lines: string[], kind: 'output' | 'error') => {
    if (lines.length === 0) return null;
    // Stored like the client's own uploads (same ids, expiry and listing), owned by the batch's client.
    const file = await deps.outputFiles.createOutputFile(batch.owner === '' ? undefined : batch.owner, 'batch_output', `${batch.id}_${kind}.jsonl`, Buffer.from(`${lines.join('\n')}\n`), signal);
    return file.id;
  };
  return { outputFileId: await write(output, 'output'), errorFileId: await write(errors, 'error') };
}

/** Stable per line: a crashed finalize writing the files again gives the same ids. */
function requestLineId(batchId: string, line: number): string {
  return `batch_req_${batchId.replace(/^batch_/, '')}_${line}`;
}
