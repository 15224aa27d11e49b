/**
 * The soak's HTTP client: one request to Levee, its answer read whole (a stream to its end) and
 * recorded as an AnswerRecord. Its own undici Agent closes idle connections after 4 s, so the
 * connections a latency window opened do not linger in Levee's file descriptors for the minute
 * Levee's keep-alive would allow.
 */
import { Agent, fetch, FormData } from 'undici';
import { CLIENT_AUTHORIZATION } from '../client-key.ts';
import type { AnswerRecord, TrafficKind } from './soak-results.ts';

/** A request with no answer after this long is recorded as `client_timeout` (Levee's own deadline is 120 s). */
export const CLIENT_TIMEOUT_MS = 30_000;
const IDLE_MS = 4_000;

export interface SoakRequest {
  kind: TrafficKind;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The route pattern recorded (default: method and path). */
  route?: string;
  /** JSON, or an undici FormData for uploads. */
  body?: unknown;
  headers?: Record<string, string>;
  /** A streamed chat: complete only when it ends with `data: [DONE]` and no error event. */
  stream?: boolean;
  sequenceStartMs?: number;
  /** A resend of an idempotent request that must be replayed (`Idempotent-Replayed: true`). */
  expectReplay?: boolean;
}

export interface SoakAnswer {
  record: AnswerRecord;
  /** The parsed JSON body of a non-stream answer (undefined when not JSON). */
  json: unknown;
}

export class SoakClient {
  readonly records: AnswerRecord[] = [];
  readonly #origin: string;
  readonly #elapsed: () => number;
  readonly #agent = new Agent({ keepAliveTimeout: IDLE_MS, keepAliveMaxTimeout: IDLE_MS });

  constructor(origin: string, elapsed: () => number) {
    this.#origin = origin;
    this.#elapsed = elapsed;
  }

  async send(request: SoakRequest): Promise<SoakAnswer> {
    const sentMs = this.#elapsed();
    const record: AnswerRecord = { kind: request.kind, route: request.route ?? `${request.method} ${request.path}`, sentMs, endMs: sentMs, status: 0 };
    if (request.sequenceStartMs !== undefined) record.sequenceStartMs = request.sequenceStartMs;
    let json: unknown;
    try {
      const isForm = request.body instanceof FormData;
      const response = await fetch(`${this.#origin}${request.path}`, {
        method: request.method,
        headers: { ...CLIENT_AUTHORIZATION, ...(request.body === undefined || isForm ? {} : { 'content-type': 'application/json' }), ...request.headers },
        ...(request.body === undefined ? {} : { body: isForm ? (request.body as FormData) : JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        dispatcher: this.#agent,
      });
      record.status = response.status;
      if (response.headers.has('retry-after')) record.retryAfter = true;
      const cache = response.headers.get('x-cache');
      if (cache === 'HIT' || cache === 'MISS' || cache === 'STALE') record.cache = cache;
      const provider = response.headers.get('x-levee-provider');
      if (provider) record.provider = provider;
      const text = await response.text();
      if (response.ok && request.stream) {
        // A stream that failed after its first chunk ends with an error event (documented); one
        // that just stops, with neither that nor [DONE], is cut.
        if (text.includes('data: {"error"')) record.code = 'stream_error_event';
        else if (!text.includes('data: [DONE]')) record.code = 'stream_incomplete';
      } else {
        json = parseJson(text);
        if (!response.ok) record.code = errorCode(json, response.status);
        else if (request.expectReplay && response.headers.get('idempotent-replayed') !== 'true') record.code = 'replay_missing';
      }
    } catch (error) {
      record.code = (error as Error).name === 'TimeoutError' ? 'client_timeout' : 'network_error';
    }
    record.endMs = this.#elapsed();
    this.records.push(record);
    return { record, json };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCode(json: unknown, status: number): string {
  const code = (json as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : `http_${status}`;
}
