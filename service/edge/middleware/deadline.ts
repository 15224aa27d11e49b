/**
 * Gives every request its Deadline: REQUEST_TIMEOUT_MS, shortened (never lengthened) by the
 * client's `X-Request-Timeout-Ms` or the OpenAI SDKs' `X-Stainless-Timeout` (seconds). When it
 * fires, the client gets 504 `deadline_exceeded` at once while the handler's signal aborts (408
 * `request_timeout` when it fires while the request body is still arriving).
 */
import { InvalidRequestError, LeveeError } from '../../errors.ts';
import { Deadline, DeadlineExceededError } from '../../resilience/deadline.ts';
import type { LeveeMiddleware } from '../state.ts';

export function requestDeadline({ timeoutMs }: { timeoutMs: number }): LeveeMiddleware {
  return async (ctx, next) => {
    const deadline = new Deadline(
      effectiveTimeoutMs(timeoutMs, ctx.get('X-Request-Timeout-Ms'), ctx.get('X-Stainless-Timeout')),
    );
    ctx.state.deadline = deadline;
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) deadline.clientClosed();
    });
    try {
      await deadline.race(next());
    } catch (error) {
      // The body was still arriving (a Content-Length the client never fills, a stalled upload):
      // the client's delay, answered 408, not a 504 that would page whoever runs Levee.
      if (error instanceof DeadlineExceededError && ctx.state.receivingBody) {
        throw new LeveeError('request_timeout', `The request body did not arrive within the ${error.timeoutMs} ms deadline.`, { cause: error });
      }
      throw error;
    } finally {
      // A body still streaming is governed by its own idle and duration limits from here on.
      deadline.release();
    }
  };
}

/** The shortest of the server's limit and the client's wishes. */
export function effectiveTimeoutMs(serverMs: number, requestTimeoutMs: string, stainlessTimeoutS: string): number {
  let timeoutMs = serverMs;
  if (requestTimeoutMs) {
    if (!/^\d{1,10}$/.test(requestTimeoutMs) || Number(requestTimeoutMs) === 0) {
      throw new InvalidRequestError('X-Request-Timeout-Ms must be a positive integer number of milliseconds.', 'X-Request-Timeout-Ms');
    }
    timeoutMs = Math.min(timeoutMs, Number(requestTimeoutMs));
  }
  // Sent by the SDKs, not typed by people: a value we cannot use is ignored rather than refused.
  const stainlessSeconds = Number(stainlessTimeoutS);
  if (stainlessTimeoutS && Number.isFinite(stainlessSeconds) && stainlessSeconds > 0) {
    timeoutMs = Math.min(timeoutMs, Math.ceil(stainlessSeconds * 1000));
  }
  return timeoutMs;
}
