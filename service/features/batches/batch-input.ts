/**
 * Reads a batch input file (JSONL, one request per line) the way OpenAI validates it: every
 * problem found, each with its line, code and message; any problem fails the batch in
 * `validating` and no line runs. Blank lines are skipped; lines are numbered from 1 as in the file.
 */
import type { BatchError, BatchLineInput } from '../../capabilities/batches/batch-store.ts';

/** OpenAI's limit on requests per batch. */
export const MAX_BATCH_LINES = 50_000;
/** Problems listed at most; the count of the rest is summed up in the last. */
const MAX_LISTED_ERRORS = 100;

export function readBatchInput(content: string, endpoint: string): { lines: BatchLineInput[] } | { errors: BatchError[] } {
  const errors: BatchError[] = [];
  const lines: BatchLineInput[] = [];
  const seen = new Set<string>();
  const rawLines = content.split('\n');
  let requests = 0;
  rawLines.forEach((raw, index) => {
    const text = raw.trim();
    if (text === '') return;
    requests += 1;
    const line = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      errors.push({ code: 'invalid_json_line', message: `This line is not parseable as valid JSON.`, param: null, line });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      errors.push({ code: 'invalid_request', message: 'Each line must be a JSON object.', param: null, line });
      return;
    }
    const request = parsed as Record<string, unknown>;
    const customId = request.custom_id;
    if (typeof customId !== 'string' || customId.length === 0 || customId.length > 512) {
      errors.push({ code: 'missing_custom_id', message: 'The custom_id field is missing or not a string of 1 to 512 characters.', param: 'custom_id', line });
      return;
    }
    if (request.method !== 'POST') {
      errors.push({ code: 'invalid_method', message: 'The method must be POST.', param: 'method', line });
      return;
    }
    if (request.url !== endpoint) {
      errors.push({ code: 'mismatched_url', message: `The url must be ${endpoint}, the batch's endpoint.`, param: 'url', line });
      return;
    }
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      errors.push({ code: 'invalid_body', message: 'The body must be a JSON object.', param: 'body', line });
      return;
    }
    if (seen.has(customId)) {
      errors.push({ code: 'duplicate_custom_id', message: `The custom_id ${JSON.stringify(customId.slice(0, 64))} appears more than once.`, param: 'custom_id', line });
      return;
    }
    seen.add(customId);
    lines.push({ line, customId, body: request.body as Record<string, unknown> });
  });
  if (requests > MAX_BATCH_LINES) {
    errors.unshift({ code: 'too_many_tasks', message: `The file has ${requests} requests; a batch holds at most ${MAX_BATCH_LINES}.`, param: null, line: null });
  }
  if (requests === 0) errors.push({ code: 'empty_file', message: 'The input file has no requests.', param: null, line: null });
  if (errors.length > 0) {
    const listed = errors.slice(0, MAX_LISTED_ERRORS);
    if (errors.length > MAX_LISTED_ERRORS) {
      listed.push({ code: 'too_many_errors', message: `${errors.length - MAX_LISTED_ERRORS} more problems are not listed.`, param: null, line: null });
    }
    return { errors: listed };
  }
  return { lines };
}
