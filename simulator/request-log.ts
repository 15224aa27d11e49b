/**
 * The last few hundred /v1 requests as they arrived, so a test can assert on what the client
 * under test really sent (headers, retries, bodies). A fixed ring: recording costs one array slot
 * and no copying, and the redaction of credentials happens only when someone reads the log.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Route } from './fault-rules.ts';

/** Headers whose values are credentials: never returned, even by a test-only endpoint. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'api-key', 'x-api-key', 'cookie']);

const REDACTED = '[redacted]';

/** One entry as recorded on the hot path. */
export interface RecordedRequest {
  atMs: number;
  method: string;
  path: string;
  route: Route | undefined;
  model: string | undefined;
  stream: boolean;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** One entry of GET /_sim/requests. */
export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  route: Route | null;
  model: string | null;
  stream: boolean;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export class RequestLog {
  readonly #capacity: number;
  readonly #entries: Array<RecordedRequest | undefined>;
  #next = 0;
  #size = 0;

  /** @param capacity how many of the most recent requests to keep (default 200). */
  constructor(capacity = 200) {
    this.#capacity = capacity;
    this.#entries = new Array<RecordedRequest | undefined>(capacity);
  }

  record(entry: RecordedRequest): void {
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#capacity;
    if (this.#size < this.#capacity) this.#size += 1;
  }

  clear(): void {
    this.#entries.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }

  /** Oldest first, credentials redacted. */
  entries(): RequestLogEntry[] {
    const result: RequestLogEntry[] = [];
    const start = (this.#next - this.#size + this.#capacity) % this.#capacity;
    for (let offset = 0; offset < this.#size; offset += 1) {
      const entry = this.#entries[(start + offset) % this.#capacity];
      if (entry !== undefined) result.push(present(entry));
    }
    return result;
  }
}

function present(entry: RecordedRequest): RequestLogEntry {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(entry.headers)) headers[name] = SECRET_HEADERS.has(name) ? REDACTED : value;
  return {
    at: new Date(entry.atMs).toISOString(),
    method: entry.method,
    path: entry.path,
    route: entry.route ?? null,
    model: entry.model ?? null,
    stream: entry.stream,
    headers,
    body: entry.body,
  };
}
