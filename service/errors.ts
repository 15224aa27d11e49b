/**
 * Levee's error hierarchy and the one table from error code to HTTP status and OpenAI error type.
 * Every error a client sees is rendered from this table in OpenAI's shape, so the official SDKs
 * surface it as their own APIError subclasses.
 */
import type { z } from 'zod';
import { ClientClosedRequestError, DeadlineExceededError } from './resilience/deadline.ts';
import { AttemptTimeoutError, OpenCircuitError, QuotaExhaustedError, RateLimitedError, SaturatedError } from './resilience/errors.ts';

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'api_error';

interface ErrorKind {
  status: number;
  type: OpenAIErrorType;
  /** Whether a client retrying the same request may succeed (drives SDK retries via status, and our logs). */
  retryable: boolean;
}

/** Code → status and type. Later features extend it here, and nowhere else. */
export const ERROR_TABLE = {
  invalid_json: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  unauthorized: { status: 401, type: 'authentication_error', retryable: false },
  forbidden: { status: 403, type: 'permission_error', retryable: false },
  not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  /** A model no deployment serves (OpenAI's own code for it). */
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  /** A WebSocket endpoint asked for without the Upgrade handshake. */
  upgrade_required: { status: 426, type: 'invalid_request_error', retryable: false },
  /** A collection with that name already exists. */
  collection_exists: { status: 409, type: 'invalid_request_error', retryable: false },
  /** A request with this Idempotency-Key is still running: retry once it has answered. */
  idempotency_key_in_use: { status: 409, type: 'invalid_request_error', retryable: true },
  /** This Idempotency-Key was used with a different request body. */
  idempotency_key_reused: { status: 422, type: 'invalid_request_error', retryable: false },
  payload_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  /** The request's head (request line and headers) is larger than Node's limit (16 KiB). */
  request_header_fields_too_large: { status: 431, type: 'invalid_request_error', retryable: false },
  /** The deadline ran out while the request itself (its body) was still arriving: the client's delay, not ours. */
  request_timeout: { status: 408, type: 'invalid_request_error', retryable: true },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', retryable: false },
  /** The embedding model answered with vectors of another size than the collection's dimension; nothing was written. */
  dimension_mismatch: { status: 422, type: 'invalid_request_error', retryable: false },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', retryable: true },
  /** The client holds as many event connections as it may (WS_MAX_CONNECTIONS_PER_CLIENT). */
  too_many_connections: { status: 429, type: 'rate_limit_error', retryable: true },
  internal_error: { status: 500, type: 'api_error', retryable: true },
  deadline_exceeded: { status: 504, type: 'api_error', retryable: true },
  /** A breaker is open (or isolated): answered at once, with Retry-After until the next probe. */
  dependency_unavailable: { status: 503, type: 'api_error', retryable: true },
  /** The dependency's bulkhead and queue are full. */
  dependency_saturated: { status: 503, type: 'api_error', retryable: true },
  /** This replica holds all the event connections it may (WS_MAX_CONNECTIONS), or it is shutting down. */
  replica_unavailable: { status: 503, type: 'api_error', retryable: true },
  /** The provider rate-limits us for longer than this request can wait. */
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', retryable: true },
  /** Levee's own outgoing quota for the provider (shared by the fleet) is spent; the provider was not called. */
  upstream_quota_exhausted: { status: 429, type: 'rate_limit_error', retryable: true },
  /** The provider kept failing (5xx, connection errors) after our retries. */
  upstream_error: { status: 502, type: 'api_error', retryable: true },
  /** Every attempt ran past its timeout. */
  upstream_timeout: { status: 504, type: 'api_error', retryable: true },
  /** The provider refused Levee's own credentials: an operator problem, never the client's 401. */
  upstream_auth_failed: { status: 502, type: 'api_error', retryable: false },
  /** The provider refused the request itself (4xx): its status and error are passed through. */
  upstream_rejected: { status: 400, type: 'invalid_request_error', retryable: false },
  /** The client went away first; no one reads this response, but logs and metrics count it (nginx's 499). */
  client_closed_request: { status: 499, type: 'invalid_request_error', retryable: false },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface LeveeErrorOptions {
  /** The request field at fault, in OpenAI's `messages[0].content` notation. */
  param?: string;
  /** Response headers the error implies (`Allow`, `Retry-After`). */
  headers?: Record<string, string>;
  /** Safe, structured context for the log line; never sent to the client on 5xx. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The base of every error Levee raises on purpose: a machine code, a safe message and its context. */
export class LeveeError extends Error {
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: LeveeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeveeError';
    this.code = code;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }

  get type(): OpenAIErrorType {
    return ERROR_TABLE[this.code].type;
  }

  get retryable(): boolean {
    return ERROR_TABLE[this.code].retryable;
  }

  /** The `code` clients see; a passed-through provider error keeps the provider's own. */
  get responseCode(): string | null {
    return this.code;
  }
}

/** A provider's 4xx, passed through with its status and its own error fields. */
export class PassthroughError extends LeveeError {
  readonly #status: number;
  readonly #type: string;
  readonly #code: string | null;

  constructor(status: number, providerError: { message?: string; type?: string; code?: string | null; param?: string | null }, cause: unknown) {
    const param = typeof providerError.param === 'string' ? providerError.param : undefined;
    super('upstream_rejected', typeof providerError.message === 'string' ? providerError.message : `The upstream provider refused the request (${status}).`, {
      cause,
      ...(param === undefined ? {} : { param }),
    });
    this.name = 'PassthroughError';
    this.#status = status;
    this.#type = typeof providerError.type === 'string' ? providerError.type : 'invalid_request_error';
    this.#code = typeof providerError.code === 'string' ? providerError.code : null;
  }

  override get status(): number {
    return this.#status;
  }

  override get type(): OpenAIErrorType {
    return this.#type as OpenAIErrorType;
  }

  override get responseCode(): string | null {
    return this.#code;
  }
}

/** Whole seconds, at least 1, as HTTP wants them. */
export function retryAfterHeader(ms: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) };
}

/** A request that breaks a rule of the API: 400 naming the field. */
export class InvalidRequestError extends LeveeError {
  constructor(message: string, param?: string, options: Omit<LeveeErrorOptions, 'param'> = {}) {
    super('invalid_request', message, param === undefined ? options : { ...options, param });
    this.name = 'InvalidRequestError';
  }

  /** The first zod issue, phrased the way OpenAI phrases its own validation errors. */
  static fromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): InvalidRequestError {
    const issue = error.issues[0];
    if (!issue) return new InvalidRequestError('Invalid request body.');
    const param = formatParam([...prefix, ...issue.path]);
    const message = param ? `Invalid '${param}': ${issue.message}` : `Invalid request body: ${issue.message}`;
    return new InvalidRequestError(message, param || undefined);
  }
}

/** `messages[0].content` from ['messages', 0, 'content'], as OpenAI names fields. */
export function formatParam(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, '');
}

export class NotFoundError extends LeveeError {
  constructor(message = 'Not found.') {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends LeveeError {
  constructor(method: string, allow: string) {
    super('method_not_allowed', `Method ${method} is not allowed here; use ${allow}.`, { headers: { Allow: allow } });
    this.name = 'MethodNotAllowedError';
  }
}

/** Known Koa/http-errors statuses raised by libraries (raw-body, router), mapped onto our codes. */
const CODE_FOR_LIBRARY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limit_exceeded',
};

interface HttpErrorLike {
  status?: unknown;
  expose?: unknown;
  message?: unknown;
}

/**
 * Any thrown value as a LeveeError. Unknown failures become a generic `internal_error`
 * whose original stays in `cause` for the log, never in the response.
 */
export function toLeveeError(error: unknown): LeveeError {
  if (error instanceof LeveeError) return error;
  if (error instanceof DeadlineExceededError) {
    return new LeveeError('deadline_exceeded', `The request did not complete within its ${error.timeoutMs} ms deadline.`, {
      cause: error,
    });
  }
  if (error instanceof OpenCircuitError) {
    return new LeveeError('dependency_unavailable', `The ${error.dependency} dependency is unavailable (circuit ${error.state}); retry later.`, {
      cause: error,
      headers: retryAfterHeader(error.retryAfterMs),
    });
  }
  if (error instanceof SaturatedError) {
    return new LeveeError('dependency_saturated', `The ${error.dependency} dependency is at capacity; retry shortly.`, {
      cause: error,
      headers: retryAfterHeader(error.retryAfterMs),
    });
  }
  if (error instanceof RateLimitedError) {
    const code = error.status === 503 ? 'dependency_unavailable' : 'upstream_rate_limited';
    return new LeveeError(code, `The ${error.dependency} dependency asked us to wait; retry after the given time.`, {
      cause: error,
      headers: retryAfterHeader(error.retryAfterMs),
    });
  }
  if (error instanceof QuotaExhaustedError) {
    return new LeveeError('upstream_quota_exhausted', `The ${error.dependency} ${error.quota} quota is spent; retry after the given time.`, {
      cause: error,
      headers: retryAfterHeader(error.retryAfterMs),
    });
  }
  if (error instanceof AttemptTimeoutError) {
    return new LeveeError('upstream_timeout', 'The upstream dependency did not answer in time.', { cause: error });
  }
  if (error instanceof ClientClosedRequestError) {
    return new LeveeError('client_closed_request', 'The client closed the request.', { cause: error });
  }
  const httpError = (typeof error === 'object' && error !== null ? error : {}) as HttpErrorLike;
  const status = typeof httpError.status === 'number' ? httpError.status : undefined;
  const libraryCode = status === undefined ? undefined : CODE_FOR_LIBRARY_STATUS[status];
  if (libraryCode && httpError.expose === true && typeof httpError.message === 'string') {
    return new LeveeError(libraryCode, httpError.message, { cause: error });
  }
  return new LeveeError('internal_error', 'The server had an error while processing your request.', { cause: error });
}

/** The OpenAI error body. 5xx messages are generic by construction (see toLeveeError). */
export function errorBody(error: LeveeError, requestId: string) {
  return {
    error: {
      message: error.message,
      type: error.type as string,
      code: error.responseCode,
      param: error.param ?? null,
      request_id: requestId,
    },
  };
}
