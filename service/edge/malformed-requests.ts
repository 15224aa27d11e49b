/**
 * What Node's HTTP parser refuses before any route sees it (a control character in a header, two
 * different Content-Lengths, a head over the size limit) gets the same OpenAI-shaped error and
 * X-Request-Id as every other refusal, where Node alone writes a bare 400 and resets the socket.
 * Bytes that cannot be parsed after a request still being answered (a body sent without a length,
 * data after `Connection: close`) do not cut that answer short: it is sent, then the connection
 * closes.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, LeveeError, type ErrorCode } from '../errors.ts';
import { acceptRequestId } from './middleware/request-id.ts';

/** How long a refused connection's remaining input is read and dropped before it is cut (nginx's lingering close). */
const LINGER_MS = 5_000;

/** Node's parser codes with an answer of their own (as Node's default handler maps them); anything else is 400. */
const CODE_FOR_PARSER_ERROR: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'request_header_fields_too_large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'payload_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

type ParserError = NodeJS.ErrnoException & { reason?: string };

/**
 * Answers the server's parser errors; returns `track`, to be called with every request the server
 * takes, so that bad bytes after a request do not cut its answer short.
 */
export function refuseMalformedRequests(server: Server): { track(request: IncomingMessage, response: ServerResponse): void } {
  /** Each socket's latest exchange (no listener on the response: it has enough of them). */
  const latest = new WeakMap<Socket, { request: IncomingMessage; response: ServerResponse }>();
  /** Sockets already refused: the parser reports each later chunk again, and the lingering close drops it. */
  const refused = new WeakSet<Socket>();
  server.on('clientError', (error: ParserError, socket: Socket) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // The bad bytes follow a whole request still being answered: that answer goes out first.
    // (Bad bytes inside a request's own body are answered below; its handler fails once the socket closes.)
    const pending = latest.get(socket);
    if (pending?.request.complete && !pending.response.writableFinished) {
      pending.response.shouldKeepAlive = false;
      pending.response.once('finish', () => closeLingering(socket));
      return;
    }
    // Like Node's own handler: a socket that already answered something gets no second answer.
    if (socket.bytesWritten !== 0) {
      closeLingering(socket);
      return;
    }
    closeLingering(socket, answer(error));
  });
  return { track: (request, response) => void latest.set(request.socket, { request, response }) };
}

function answer(error: ParserError): string {
  const code = CODE_FOR_PARSER_ERROR[error.code ?? ''] ?? 'invalid_request';
  // The parser's reason ("Invalid header value char") names the rule broken, never the request's bytes.
  const refusal = new LeveeError(code, `The request is not valid HTTP/1.1: ${error.reason ?? 'it could not be parsed'}.`, { cause: error });
  const requestId = acceptRequestId(undefined);
  const body = JSON.stringify(errorBody(refusal, requestId));
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Connection: close',
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Ends the socket (after `last`) rather than destroying it: a client still sending would get a
 * reset and lose the answer. What it still sends is dropped, for at most LINGER_MS.
 */
function closeLingering(socket: Socket, last?: string): void {
  if (last === undefined) socket.end();
  else socket.end(last);
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  socket.once('close', () => clearTimeout(cut));
}
