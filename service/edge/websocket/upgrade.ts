/**
 * WebSocket upgrades go through the Koa app like any request, so `/v1/events` gets the same
 * guards (per-IP limit, key, per-key limit), drain check, error shape, access log and metrics as
 * every route, and a refusal is an ordinary JSON answer that never becomes a socket. The server's
 * 'upgrade' event builds a ServerResponse on the raw socket and hands both to the app; the route
 * that accepts calls `acceptUpgrade`, which detaches the response and completes the handshake.
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { InvalidRequestError, LeveeError } from '../../errors.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** The bytes that followed the upgrade request's head (usually none). */
const heads = new WeakMap<IncomingMessage, Buffer>();

export function routeUpgrades(server: Server, handler: Handler): void {
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    heads.set(request, head);
    const response = new ServerResponse(request);
    // A refusal ends the exchange: the socket is no HTTP keep-alive connection.
    response.shouldKeepAlive = false;
    response.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0]);
    response.once('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    handler(request, response);
  });
}

/** Whether this request came through the upgrade path (a WebSocket handshake). */
export function isUpgrade(request: IncomingMessage): boolean {
  return heads.has(request);
}

/** A 16-byte nonce in base64, as RFC 6455 (and ws) want it. */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** Comma-separated RFC 7230 tokens, as ws parses Sec-WebSocket-Protocol. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Throws what ws would otherwise write itself as a bare text/html 400 (no request id, not our
 * shape) on a handshake it cannot complete: another protocol than WebSocket (426), another
 * WebSocket version (426 with the ones spoken, as RFC 6455 says), a malformed key or subprotocol
 * list (400). Call before taking a connection slot.
 */
export function checkHandshake(request: IncomingMessage): void {
  const { headers } = request;
  if (headers.upgrade?.toLowerCase() !== 'websocket') {
    throw new LeveeError('upgrade_required', 'Only the WebSocket protocol is spoken here: Upgrade: websocket.', { headers: { Upgrade: 'websocket' } });
  }
  const version = headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    throw new LeveeError('upgrade_required', 'Unsupported Sec-WebSocket-Version: use 13.', { param: 'Sec-WebSocket-Version', headers: { 'Sec-WebSocket-Version': '13, 8' } });
  }
  if (!WEBSOCKET_KEY.test(headers['sec-websocket-key'] ?? '')) {
    throw new InvalidRequestError('Sec-WebSocket-Key must be a base64-encoded 16-byte nonce.', 'Sec-WebSocket-Key');
  }
  const protocols = headers['sec-websocket-protocol']?.split(',').map((protocol) => protocol.trim());
  if (protocols && (!protocols.every((protocol) => TOKEN.test(protocol)) || new Set(protocols).size !== protocols.length)) {
    throw new InvalidRequestError('Sec-WebSocket-Protocol must be a comma-separated list of distinct tokens.', 'Sec-WebSocket-Protocol');
  }
}

/** Completes the handshake on the request's socket; resolves with the socket once open. */
export function acceptUpgrade(wss: WebSocketServer, request: IncomingMessage, response: ServerResponse): Promise<WebSocket> {
  const socket = request.socket;
  response.detachSocket(socket);
  return new Promise((resolve, reject) => {
    const failed = () => reject(new Error('the WebSocket handshake did not complete'));
    socket.once('close', failed);
    wss.handleUpgrade(request, socket, heads.get(request) ?? Buffer.alloc(0), (ws) => {
      socket.off('close', failed);
      resolve(ws);
    });
  });
}
