/**
 * Judges each answer of a soak by when it happened. Outside fault windows every answer must be a
 * 2xx; inside one (or within GRACE_MS after it, for calls in flight and breakers that still have
 * to probe), only the degraded answers the README documents: 503 with Retry-After (a breaker open,
 * a saturated bulkhead), 504 (a timeout), 2xx served STALE or by the other provider, and a 200
 * stream that ends with an error event (its provider failed after the first chunk had gone out,
 * when it can no longer move to another: README, Policies, "Streams"). A Redis restart empties Redis (the soak's, like the tests', persists nothing), so a conversation or an
 * idempotency record written before it may be gone after it: a conversation read answering 404
 * and a resend without `Idempotent-Replayed` are allowed in its window.
 *
 * The sampler's forced GCs are short faults of the soak's own: each stops Levee's event loop for
 * 0.1–0.6 s, Redis commands in flight then time out, and the features fall back to local state for
 * that instant (as they would for a Redis blip). A request in flight during one (or
 * PAUSE_GRACE_MS after it) may get what a Redis blip explains: a resend not replayed (its begin
 * fell back to memory, which never saw the first request), a conversation read answering 404.
 */
import type { AnswerRecord, FaultWindow } from './soak-results.ts';

/** After a window ends its degraded answers stay allowed this long: in-flight calls, a breaker's next probe (half-open 5 s), Redis reconnecting (≤ 1 s). */
export const GRACE_MS = 10_000;
/** After a forced GC, the Redis commands it made time out are over within this. */
export const PAUSE_GRACE_MS = 1_000;

/** A stretch of time a request may have overlapped. */
export interface Interval {
  startMs: number;
  endMs: number;
}

export type Verdict = 'ok' | 'degraded' | 'unexpected';

/**
 * The window an answer overlapped: its request (from the start of its sequence: a conversation,
 * an idempotent send and resend) was in flight at some time between the window's start and its
 * end plus the grace.
 */
export function windowOf<Window extends Interval>(answer: AnswerRecord, windows: readonly Window[], graceMs = GRACE_MS): Window | undefined {
  const from = Math.min(answer.sentMs, answer.sequenceStartMs ?? answer.sentMs);
  return windows.find((window) => from <= window.endMs + graceMs && answer.endMs >= window.startMs);
}

/** A 2xx with nothing wrong in it (a stream that reached [DONE], a resend that was replayed). */
function isClean(answer: AnswerRecord): boolean {
  return answer.status >= 200 && answer.status < 300 && answer.code === undefined;
}

/** What losing Redis's state explains: a resend not replayed, a conversation Redis no longer has. */
function isRedisLoss(answer: AnswerRecord): boolean {
  return answer.code === 'replay_missing' || (answer.kind === 'conversation-read' && answer.status === 404);
}

/**
 * `ok` for a clean 2xx; `degraded` for a documented degraded answer inside `window`, or a Redis
 * blip's during a forced GC (`inPause`); otherwise `unexpected`.
 */
export function judge(answer: AnswerRecord, window: FaultWindow | undefined, inPause = false): Verdict {
  if (isClean(answer)) return 'ok';
  if (window === undefined) return inPause && isRedisLoss(answer) ? 'degraded' : 'unexpected';
  if (answer.status === 503 && answer.retryAfter === true) return 'degraded';
  if (answer.status === 504) return 'degraded';
  if (answer.code === 'stream_error_event') return 'degraded';
  if (window.kind === 'redis-restart' && isRedisLoss(answer)) return 'degraded';
  return 'unexpected';
}

/** The key an answer is counted under in the status plot and tables: '200', '200 STALE', '503', 'no answer'. */
export function statusKey(answer: AnswerRecord): string {
  if (answer.status === 0) return 'no answer';
  if (answer.cache === 'STALE') return `${answer.status} STALE`;
  return String(answer.status);
}
