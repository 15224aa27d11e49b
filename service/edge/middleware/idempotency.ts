/**
 * `Idempotency-Key` on POST routes: a retry with the same key and body gets the stored response
 * (`Idempotent-Replayed: true`) without doing the work again; the same key with another body is
 * 422; a duplicate while the first still runs is 409. Records are per client identity. Only
 * final answers that are not 5xx or 429 are stored, so a retry after a failure does real work;
 * streams are not stored either (a retry streams afresh).
 */
import { Readable } from 'node:stream';
import { errorBody, InvalidRequestError, LeveeError, retryAfterHeader, toLeveeError } from '../../errors.ts';
import { cacheKey } from '../../features/cache/cache-key.ts';
import type { IdempotencyStore, StoredResponse } from '../../features/idempotency/idempotency-store.ts';
import type { LeveeContext, LeveeMiddleware } from '../state.ts';

/** Printable ASCII, 1 to 255 characters (Stripe's and the IETF draft's bounds). */
const VALID_KEY = /^[\x20-\x7E]{1,255}$/;
/** Response headers worth replaying; the rest (request id, rate limits) belong to the retry. */
const REPLAYED_HEADERS = ['content-type', 'x-cache', 'retry-after'];

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** The route pattern, part of the record's key. */
  route: string;
  /** How long a stored response is replayed (24 h). */
  ttlMs: number;
  /** How long a running request holds its key if it never finishes (its deadline, plus margin). */
  leaseMs: number;
}

export function idempotency({ store, route, ttlMs, leaseMs }: IdempotencyOptions): LeveeMiddleware {
  return async (ctx, next) => {
    const key = ctx.headers['idempotency-key'];
    if (key === undefined) return next();
    if (typeof key !== 'string' || !VALID_KEY.test(key)) {
      throw new InvalidRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters.', 'Idempotency-Key');
    }
    // Hashed: neither the key nor the body is kept in clear in the store.
    const recordKey = cacheKey({ client: ctx.state.client ?? null, route, key });
    const fingerprint = cacheKey({ method: ctx.method, path: ctx.path, body: ctx.state.body ?? null });
    const begun = await store.begin(recordKey, fingerprint, leaseMs);
    if (!begun.acquired) {
      const { record } = begun;
      if (record.fingerprint !== fingerprint) {
        throw new LeveeError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request.', { param: 'Idempotency-Key' });
      }
      if (record.state === 'running') {
        throw new LeveeError('idempotency_key_in_use', 'A request with this Idempotency-Key is still running; retry once it has answered.', {
          param: 'Idempotency-Key',
          headers: retryAfterHeader(1_000),
        });
      }
      return replay(ctx, record.response);
    }

    let response: StoredResponse | undefined;
    try {
      await next();
      if (isFinalJson(ctx)) response = { status: ctx.status, body: ctx.body, headers: replayedHeaders(ctx.response.headers) };
    } catch (error) {
      const failure = toLeveeError(error);
      if (failure.status < 500 && failure.status !== 429 && failure.status !== 499) {
        response = { status: failure.status, body: errorBody(failure, ctx.state.requestId), headers: { 'content-type': 'application/json; charset=utf-8' } };
      }
      throw error;
    } finally {
      if (response) await store.complete(recordKey, { state: 'done', fingerprint, response }, ttlMs);
      else await store.abandon(recordKey);
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
