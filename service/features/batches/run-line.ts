/**
 * One batch line, run exactly as an interactive call of its endpoint: the same validation,
 * routing and fallbacks, retries within the budget, breakers and quotas (the chat and embeddings
 * use cases themselves), with its own deadline. A line's answer, whatever its status, is its
 * result; only failures that say "not now" (a breaker open, a rate limit, a saturated or failing
 * provider) leave the line pending, to run again later: a batch waits out an outage, it does not
 * fail its lines for it.
 */
import { randomBytes } from 'node:crypto';
import type { BatchLineInput, BatchLineResult } from '../../capabilities/batches/batch-store.ts';
import { errorBody, InvalidRequestError, toLeveeError, type LeveeError } from '../../errors.ts';
import { Deadline } from '../../resilience/deadline.ts';
import { asBackground } from '../../resilience/priority.ts';
import { createChatCompletion, type ChatDeps } from '../chat/create-chat-completion.ts';
import { createCachedEmbeddings, type EmbeddingsDeps } from '../embeddings/cached-embeddings.ts';

export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/embeddings'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

export interface LineRunner {
  chat: ChatDeps;
  embeddings: EmbeddingsDeps;
  /** Each line's deadline (REQUEST_TIMEOUT_MS, as an interactive call). */
  timeoutMs: number;
}

/** "Not now" for every line: the batch pauses until it passes (a breaker open, a rate limit, a quota). */
const PAUSE_BATCH = new Set<LeveeError['code']>(['dependency_unavailable', 'upstream_rate_limited', 'upstream_quota_exhausted']);
/** This line's own bad luck (its retries ran out on a failing or slow provider): it runs again later, a few times at most. */
const RETRY_LINE = new Set<LeveeError['code']>(['upstream_error', 'upstream_timeout', 'deadline_exceeded']);

/**
 * `pause`: wait before any further line; `yield`: the same, briefly (the bulkhead's background
 * share is full, or interactive calls are waiting: a slot frees within moments); `retry`: run this
 * line again later. All three leave it pending.
 */
export type LineOutcome = { kind: 'done'; result: BatchLineResult & { failed: boolean } } | { kind: 'pause' | 'yield' | 'retry'; result: BatchLineResult & { failed: boolean } };

export async function runLine(runner: LineRunner, endpoint: BatchEndpoint, owner: string, input: BatchLineInput, signal: AbortSignal): Promise<LineOutcome> {
  const requestId = `req_${randomBytes(12).toString('hex')}`;
  const deadline = new Deadline(runner.timeoutMs);
  // The worker stopping (shutdown) ends the line's call like a client leaving.
  const stop = () => deadline.clientClosed();
  signal.addEventListener('abort', stop, { once: true });
  try {
    // Background: every provider call of the line yields to interactive ones (the bulkhead's priority).
    const body = await asBackground(() => call(runner, endpoint, owner, input.body, requestId, deadline.signal));
    return { kind: 'done', result: { line: input.line, statusCode: 200, requestId, body, error: null, failed: false } };
  } catch (error) {
    if (signal.aborted) throw error;
    const levee = toLeveeError(error);
    const result = { line: input.line, statusCode: levee.status, requestId, body: errorBody(levee, requestId), error: null, failed: true };
    if (levee.code === 'dependency_saturated') return { kind: 'yield', result };
    if (PAUSE_BATCH.has(levee.code)) return { kind: 'pause', result };
    return { kind: RETRY_LINE.has(levee.code) ? 'retry' : 'done', result };
  } finally {
    signal.removeEventListener('abort', stop);
    deadline.release();
  }
}

async function call(runner: LineRunner, endpoint: BatchEndpoint, owner: string, body: Record<string, unknown>, requestId: string, signal: AbortSignal): Promise<unknown> {
  if (body.stream === true) throw new InvalidRequestError('Batch requests cannot stream.', 'stream');
  if (endpoint === '/v1/embeddings') return (await createCachedEmbeddings(runner.embeddings, body, signal, 'normal')).body;
  const result = await createChatCompletion(runner.chat, body, { signal, requestId, cacheMode: 'normal', client: owner === '' ? undefined : owner, conversationHeader: undefined });
  if (result.kind !== 'json') throw new InvalidRequestError('Batch requests cannot stream.', 'stream');
  return result.body;
}
