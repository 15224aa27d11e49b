/**
 * A generated request, as fast-check holds and prints it, and how it becomes bytes. Fields that
 * would create something (a file name, a collection name, an Idempotency-Key, a conversation id,
 * batch metadata) carry the placeholder `@TAG@`, replaced at send time by a tag unique to the send,
 * so after the run every stored object can be traced to the one request that wrote it.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-exchange.ts';
import type { WebSocketPlan } from './ws-exchange.ts';

export const TAG = '@TAG@';

export type Framing = 'auto' | 'chunked' | 'none' | { lie: number };

export interface FuzzRequest {
  /** The route pattern it aims at, for the tally: `POST /v1/chat/completions`. */
  route: string;
  method: string;
  /** Path and query, sent verbatim. */
  target: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  framing: Framing;
  /** The route reads a body (JSON or multipart), so a body that never arrives stalls it. */
  readsBody: boolean;
  /** Present for a WebSocket handshake: what to send once (if) it is accepted. */
  upgrade?: WebSocketPlan;
}

/** What one send of a request carried, after the placeholder was replaced. */
export interface SentRequest {
  request: FuzzRequest;
  tag: string;
  raw: RawRequest;
  /** The header's value as sent (first one), lower-case name. */
  header(name: string): string | undefined;
}

/** Replaces every `@TAG@` in a request; `timeoutMs` bounds the wait for its answer. */
export function materialise(request: FuzzRequest, tag: string, timeoutMs: number): SentRequest {
  const headers = request.headers.map(([name, value]) => [name, value.replaceAll(TAG, tag)] as const);
  const body = request.body && replaceInBuffer(request.body, TAG, tag);
  const framing = typeof request.framing === 'object' ? Math.max(0, (body?.length ?? 0) + request.framing.lie) : request.framing;
  const raw: RawRequest = { method: request.method, target: request.target.replaceAll(TAG, tag), headers, framing, timeoutMs, ...(body ? { body } : {}) };
  return {
    request,
    tag,
    raw,
    header: (name) => headers.find(([candidate]) => candidate.toLowerCase() === name)?.[1],
  };
}

function replaceInBuffer(bytes: Buffer, search: string, replacement: string): Buffer {
  const needle = Buffer.from(search);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, from)) {
    parts.push(bytes.subarray(from, at), Buffer.from(replacement));
    from = at + needle.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

/** Short enough to read in a counterexample; long bodies are cut (the seed and path replay them whole). */
export function describeRequest(request: FuzzRequest): string {
  const body = request.body === undefined ? '' : `\n  body (${request.body.length} bytes): ${JSON.stringify(request.body.toString('utf8').slice(0, 1_500))}`;
  const headers = request.headers.map(([name, value]) => `\n  ${name}: ${JSON.stringify(value.slice(0, 300))}${value.length > 300 ? `…(${value.length})` : ''}`).join('');
  const framing = typeof request.framing === 'object' ? `Content-Length lying by ${request.framing.lie}` : request.framing;
  const upgrade = request.upgrade ? `\n  then: ${fc.stringify(request.upgrade)}` : '';
  return `${request.method} ${request.target.slice(0, 300)} [${request.route}; framing ${framing}]${headers}${body}${upgrade}`;
}

/** Gives a request fast-check's printed form. */
export function printable(request: FuzzRequest): FuzzRequest {
  return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
}
