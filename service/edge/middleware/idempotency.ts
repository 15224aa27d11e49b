/**
 * `Idempotency-Key` on a POST route (features/idempotency/ decides): a replay is answered with the
 * stored response and `Idempotent-Replayed: true`; otherwise the route runs and its answer is
 * stored when it is final JSON that is not 5xx or 429. Streams are not stored (a retry streams
 * afresh).
 */
import { Readable } from 'node:stream';
import { storedFailure, type IdempotentRequests, type StoredResponse } from '../../features/idempotency/idempotent-requests.ts';
import type { LeveeContext, LeveeMiddleware } from '../state.ts';

/** Response headers worth replaying; the rest (request id, rate limits) belong to the retry. */
const REPLAYED_HEADERS = ['content-type', 'x-cache', 'retry-after'];

export function idempotency(requests: IdempotentRequests, route: string): LeveeMiddleware {
  return async (ctx, next) => {
    const key = ctx.headers['idempotency-key'];
    if (key === undefined) return next();
    const started = await requests.begin({ key, client: ctx.state.client, route, method: ctx.method, path: ctx.path, body: ctx.state.body });
    if (started.replay) return replay(ctx, started.replay);

    let response: StoredResponse | undefined;
    try {
      await next();
      if (isFinalJson(ctx)) response = { status: ctx.status, body: ctx.body, headers: replayedHeaders(ctx.response.headers) };
    } catch (error) {
      response = storedFailure(error, ctx.state.requestId);
      throw error;
    } finally {
      await started.finish(response);
    }
  };
}

function replay(ctx: LeveeContext, response: StoredResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.set('Idempotent-Replayed', 'true');
  ctx.body = response.body;
}

/** A JSON answer that is neither a server error nor a 429: the only kind worth replaying. */
function isFinalJson(ctx: LeveeContext): boolean {
  const { body } = ctx;
  if (ctx.status >= 500 || ctx.status === 429) return false;
  return body !== null && typeof body === 'object' && !(body instanceof Readable) && !Buffer.isBuffer(body);
}

function replayedHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(REPLAYED_HEADERS.flatMap((name) => (typeof headers[name] === 'string' ? [[name, headers[name] as string]] : [])));
}
