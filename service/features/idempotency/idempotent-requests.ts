/**
 * `Idempotency-Key` on POST routes: a retry with the same key and body gets the stored response
 * without doing the work again; the same key with another body is 422 `idempotency_key_reused`;
 * a duplicate while the first still runs is 409 `idempotency_key_in_use`. Records are per client
 * identity and route. Only final answers that are not 5xx or 429 are stored, so a retry after a
 * failure does real work. Where the records live is the idempotency capability's.
 */
import type { IdempotencyStore, StoredResponse } from '../../capabilities/idempotency/idempotency-store.ts';
import { errorBody, InvalidRequestError, LeveeError, retryAfterHeader, toLeveeError } from '../../errors.ts';
import { cacheKey } from '../cache/cache-key.ts';

export type { StoredResponse } from '../../capabilities/idempotency/idempotency-store.ts';

/** Printable ASCII, 1 to 255 characters (Stripe's and the IETF draft's bounds). */
const VALID_KEY = /^[\x20-\x7E]{1,255}$/;

export interface IdempotentRequestsOptions {
  store: IdempotencyStore;
  /** How long a stored response is replayed (IDEMPOTENCY_TTL_MS). */
  ttlMs: number;
  /** How long a running request holds its key if it never finishes (its deadline, plus margin). */
  leaseMs: number;
}

/** One request carrying an `Idempotency-Key`. */
export interface KeyedRequest {
  /** The header's value as received (any type: it is validated here). */
  key: unknown;
  /** The API key's name, undefined without keys. */
  client: string | undefined;
  /** The route pattern. */
  route: string;
  method: string;
  path: string;
  body: unknown;
}

/** Answer with a stored response, or run and then `finish` with what to store (undefined: nothing). */
export type IdempotentStart = { replay: StoredResponse } | { replay?: undefined; finish(response: StoredResponse | undefined): Promise<void> };

export class IdempotentRequests {
  readonly #options: IdempotentRequestsOptions;

  constructor(options: IdempotentRequestsOptions) {
    this.#options = options;
  }

  async begin(request: KeyedRequest): Promise<IdempotentStart> {
    const { store, ttlMs, leaseMs } = this.#options;
    if (typeof request.key !== 'string' || !VALID_KEY.test(request.key)) {
      throw new InvalidRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters.', 'Idempotency-Key');
    }
    // Hashed: neither the key nor the body is kept in clear in the store.
    const recordKey = cacheKey({ client: request.client ?? null, route: request.route, key: request.key });
    const fingerprint = cacheKey({ method: request.method, path: request.path, body: request.body ?? null });
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
      return { replay: record.response };
    }
    return {
      finish: (response) => (response ? store.complete(recordKey, { state: 'done', fingerprint, response }, ttlMs) : store.abandon(recordKey)),
    };
  }
}

/** A failure worth replaying (a client error, not 429 or a client that left), as it was answered. */
export function storedFailure(error: unknown, requestId: string): StoredResponse | undefined {
  const failure = toLeveeError(error);
  if (failure.status >= 500 || failure.status === 429 || failure.status === 499) return undefined;
  return { status: failure.status, body: errorBody(failure, requestId), headers: { 'content-type': 'application/json; charset=utf-8' } };
}
