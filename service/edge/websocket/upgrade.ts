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
