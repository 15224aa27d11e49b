/**
 * What can go wrong talking to an OpenAI-compatible provider, how each failure is classified for
 * the policies, and what the client is told in the end.
 */
import { LeveeError, PassthroughError, retryAfterHeader, toLeveeError } from '../../errors.ts';
import type { FailureClassification } from '../../resilience/classification.ts';

/** The provider's own error object, when it sent one. */
export interface ProviderError {
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
}

/** A non-2xx answer from the provider. */
export class UpstreamHttpError extends Error {
  readonly status: number;
  /** From `retry-after-ms` or `Retry-After` (seconds or an HTTP date). */
  readonly retryAfterMs: number | undefined;
  readonly providerError: ProviderError | undefined;
  constructor(status: number, retryAfterMs: number | undefined, providerError: ProviderError | undefined) {
    super(`Upstream answered ${status}`);
    this.name = 'UpstreamHttpError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.providerError = providerError;
  }
}

/** A 2xx answer we could not use (not JSON, a broken event stream). */
export class UpstreamProtocolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UpstreamProtocolError';
  }
}

/** undici and Node codes for a connection that failed or broke. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * How a provider failure is treated: transient (5xx, 408, connection errors) retried; rate-limited (429, 503
 * with Retry-After) retried after waiting; permanent (other 4xx) never. For the breaker, 5xx,
 * connection errors and the provider refusing our key count as failures; 4xx and 429 do not.
 */
export function classifyLlmFailure(error: unknown): FailureClassification {
  if (error instanceof UpstreamHttpError) {
    const { status, retryAfterMs } = error;
    if (status === 429) return { retry: 'rate_limited', breaker: 'ignore', status, errorType: 'http_429', ...withRetryAfter(retryAfterMs) };
    if (status === 503 && retryAfterMs !== undefined) {
      return { retry: 'rate_limited', breaker: 'failure', status, retryAfterMs, errorType: 'http_5xx' };
    }
    if (status >= 500 || status === 408) return { retry: 'transient', breaker: 'failure', status, errorType: 'http_5xx' };
    if (status === 401 || status === 403) return { retry: 'permanent', breaker: 'failure', status, errorType: 'auth_failed' };
    // 409 is a provider-side conflict the OpenAI SDKs also retry; it says nothing about health.
    if (status === 409) return { retry: 'transient', breaker: 'ignore', status, errorType: 'http_4xx' };
    return { retry: 'permanent', breaker: 'ignore', status, errorType: 'http_4xx' };
  }
  if (error instanceof UpstreamProtocolError) return { retry: 'transient', breaker: 'failure', errorType: 'error' };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) {
    return { retry: 'transient', breaker: 'failure', errorType: 'connection_error' };
  }
  return { retry: 'permanent', breaker: 'ignore', errorType: 'error' };
}

function withRetryAfter(retryAfterMs: number | undefined): { retryAfterMs?: number } {
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}

/** What the client hears once the policies have given up. */
export function llmFailureToLevee(error: unknown): LeveeError {
  if (error instanceof UpstreamHttpError) {
    const { status, providerError } = error;
    if (status === 401 || status === 403) {
      // The provider refused Levee's own key: never the client's 401.
      return new LeveeError('upstream_auth_failed', 'The upstream provider refused Levee’s credentials.', { cause: error });
    }
    if (status === 429) return new LeveeError('upstream_rate_limited', 'The upstream provider is rate-limiting requests.', { cause: error, headers: retryAfterHeader(error.retryAfterMs ?? 1_000) });
    if (status >= 500 || status === 408 || status === 409) {
      return new LeveeError('upstream_error', `The upstream provider failed (${status}).`, { cause: error });
    }
    return new PassthroughError(status, providerError ?? {}, error);
  }
  if (error instanceof UpstreamProtocolError || isConnectionError(error)) {
    return new LeveeError('upstream_error', 'The upstream provider could not be reached or answered badly.', { cause: error });
  }
  return toLeveeError(error);
}

function isConnectionError(error: unknown): boolean {
  return classifyLlmFailure(error).errorType === 'connection_error';
}

/** `retry-after-ms` (OpenAI's) wins; else `Retry-After` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const milliseconds = Number(first(headers['retry-after-ms']));
  if (Number.isFinite(milliseconds) && milliseconds >= 0 && first(headers['retry-after-ms']) !== undefined) return milliseconds;
  const value = first(headers['retry-after']);
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
