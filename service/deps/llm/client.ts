/**
 * HTTP to an OpenAI-compatible provider over an undici Pool: keep-alive connections to one
 * origin, the caller's AbortSignal on every request, and the provider's errors turned into
 * UpstreamHttpError with its Retry-After. No retries and no timeouts of its own: the policies
 * own those (undici's are set as far-off safety nets).
 */
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { Pool, type Dispatcher } from 'undici';
import type { Secret } from '../../config.ts';
import { parseRetryAfter, UpstreamHttpError, UpstreamProtocolError, type ProviderError } from './errors.ts';

export interface LlmClientOptions {
  /** Base URL including /v1, as the OpenAI SDKs take it. */
  baseUrl: string;
  apiKey: Secret | undefined;
  /** Extra headers sent with every request (an organisation, an API version). */
  headers?: Record<string, string>;
  /** Keep-alive connections to the provider; the bulkhead bounds calls, so match it. */
  connections: number;
}

/** Sees every answer's headers, errors included (rate-limit headroom lives there). */
export type HeadersObserver = (headers: Record<string, string | string[] | undefined>) => void;

/** A provider error body larger than this is not read further. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Far beyond any policy timeout: only a guard against a policy bug leaving a socket forever. */
const SAFETY_NET_TIMEOUT_MS = 30 * 60 * 1000;

export type ResponseBody = Dispatcher.ResponseData['body'];

export class LlmClient {
  readonly #pool: Pool;
  readonly #basePath: string;
  #headers: Record<string, string>;
  readonly #server: { address: string; port: number };

  constructor(options: LlmClientOptions) {
    const url = new URL(options.baseUrl);
    this.#basePath = url.pathname.replace(/\/$/, '');
    this.#server = { address: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: SAFETY_NET_TIMEOUT_MS,
      bodyTimeout: SAFETY_NET_TIMEOUT_MS,
    });
    this.#headers = { ...options.headers, 'content-type': 'application/json', accept: 'application/json' };
    this.setApiKey(options.apiKey);
  }

  /** A rotated key takes effect from the next request. */
  setApiKey(apiKey: Secret | undefined): void {
    const { authorization: _previous, ...rest } = this.#headers;
    this.#headers = apiKey ? { ...rest, authorization: `Bearer ${apiKey.reveal()}` } : rest;
  }

  /** POSTs JSON and returns the parsed 2xx body. */
  async postJson<T>(path: string, body: unknown, signal: AbortSignal, span?: Span, observe?: HeadersObserver): Promise<T> {
    const response = await this.#request('POST', path, JSON.stringify(body), signal, span, undefined, observe);
    return readJson<T>(response.body);
  }

  async getJson<T>(path: string, signal: AbortSignal, span?: Span): Promise<T> {
    const response = await this.#request('GET', path, undefined, signal, span);
    return readJson<T>(response.body);
  }

  /** POSTs JSON expecting an event stream; resolves once a 2xx status and headers arrive. */
  async openEventStream(path: string, body: unknown, signal: AbortSignal, span?: Span, observe?: HeadersObserver): Promise<ResponseBody> {
    const response = await this.#request('POST', path, JSON.stringify(body), signal, span, 'text/event-stream', observe);
    return response.body;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async #request(method: 'GET' | 'POST', path: string, body: string | undefined, signal: AbortSignal, span: Span | undefined, accept?: string, observe?: HeadersObserver) {
    const fullPath = `${this.#basePath}${path}`;
    span?.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_SERVER_ADDRESS]: this.#server.address,
      [ATTR_SERVER_PORT]: this.#server.port,
      [ATTR_URL_PATH]: fullPath,
    });
    const headers = accept ? { ...this.#headers, accept } : this.#headers;
    const response = await this.#pool.request({ method, path: fullPath, headers, body, signal });
    span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
    observe?.(response.headers);
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const providerError = await readProviderError(response.body);
    throw new UpstreamHttpError(response.statusCode, parseRetryAfter(response.headers), providerError);
  }
}

async function readJson<T>(body: ResponseBody): Promise<T> {
  try {
    return (await body.json()) as T;
  } catch (error) {
    throw new UpstreamProtocolError('The provider answered 2xx with a body that is not JSON', { cause: error });
  }
}

/** Reads a bounded error body and picks OpenAI's `error` object out of it, if any. */
async function readProviderError(body: ResponseBody): Promise<ProviderError | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    return undefined;
  } finally {
    body.destroy();
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: unknown };
    return typeof parsed.error === 'object' && parsed.error !== null ? (parsed.error as ProviderError) : undefined;
  } catch {
    return undefined;
  }
}
