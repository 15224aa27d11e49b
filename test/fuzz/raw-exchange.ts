/**
 * One HTTP/1.1 exchange over a bare TCP socket, so a hostile request goes out exactly as written:
 * duplicate and control-character headers, a Content-Length that lies, a chunked body that never
 * ends. node:http validates and fixes all of those on the way out, which is why it is not used.
 * The answer is read until the server closes the socket (every request says Connection: close).
 */
import { connect, type Socket } from 'node:net';

/** A request as bytes will carry it; its headers are written in order, duplicates included. */
export interface RawRequest {
  method: string;
  /** Sent verbatim after the method: already percent-encoded where it should be. */
  target: string;
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
  /**
   * How the body is framed: `auto` a true Content-Length, `chunked` Transfer-Encoding, `none`
   * no framing header at all; a number is a Content-Length that may lie. Default `auto`.
   */
  framing?: 'auto' | 'chunked' | 'none' | number;
  /** Give up on an answer after this long (ms). */
  timeoutMs: number;
}

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps every value. */
  headers: Record<string, string[]>;
  body: Buffer;
  /** The whole body arrived (its Content-Length, or the last chunk). */
  complete: boolean;
}

export type RawOutcome =
  | { kind: 'response'; response: RawResponse; durationMs: number }
  /** The socket closed, reset or timed out before a whole response head arrived. */
  | { kind: 'no-response'; reason: string; durationMs: number };

export function exchange(port: number, request: RawRequest): Promise<RawOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    let failure: string | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const durationMs = performance.now() - started;
      const response = parseResponse(Buffer.concat(received));
      resolve(response ? { kind: 'response', response, durationMs } : { kind: 'no-response', reason: failure ?? 'closed without an answer', durationMs });
    };
    const timer = setTimeout(() => {
      failure = `no answer within ${request.timeoutMs} ms`;
      finish();
    }, request.timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A refused body's rest may meet a closing socket (EPIPE, ECONNRESET): what was read still counts.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.code ?? error.message;
    });
    socket.on('close', finish);
    socket.on('end', finish);
    socket.once('connect', () => writeRequest(socket, request));
  });
}

function writeRequest(socket: Socket, request: RawRequest): void {
  const body = request.body ?? Buffer.alloc(0);
  const framing = request.framing ?? 'auto';
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (framing === 'auto' && (request.body !== undefined || request.method === 'POST')) lines.push(`Content-Length: ${body.length}`);
  if (typeof framing === 'number') lines.push(`Content-Length: ${framing}`);
  if (framing === 'chunked') lines.push('Transfer-Encoding: chunked');
  // Header values go out as UTF-8 bytes (obs-text to HTTP), as a careless client would send them.
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  const chunked = body.length > 0 ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')] : [Buffer.from('0\r\n\r\n')];
  // One write, as a client sends a request it has whole: a server that answers after the head and
  // closes would otherwise race the rest of the bytes into a reset.
  socket.write(Buffer.concat([head, ...(framing === 'chunked' ? chunked : [body])]));
}

/**
 * The first final response in `bytes` (interim 100 Continue answers skipped; 101 is final here),
 * or undefined when not even its head is complete.
 */
export function parseResponse(bytes: Buffer): RawResponse | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) return undefined;
  const rest = bytes.subarray(headEnd + 4);
  if (status === '100') return parseResponse(rest);
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const length = headers['content-length']?.[0];
  if (headers['transfer-encoding']?.some((value) => /chunked/i.test(value))) return { status: Number(status), headers, ...dechunk(rest) };
  if (length !== undefined) return { status: Number(status), headers, body: rest.subarray(0, Number(length)), complete: rest.length >= Number(length) };
  return { status: Number(status), headers, body: rest, complete: true };
}

/** The payload of a chunked body as far as it arrived, and whether its last chunk did. */
function dechunk(bytes: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd < 0) return { body: Buffer.concat(parts), complete: false };
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), complete: false };
    if (size === 0) return { body: Buffer.concat(parts), complete: true };
    if (lineEnd + 2 + size > bytes.length) return { body: Buffer.concat([...parts, bytes.subarray(lineEnd + 2)]), complete: false };
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}
