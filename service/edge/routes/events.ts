/**
 * `GET /v1/events` and `GET /admin/events`, upgraded to WebSockets (see websocket/upgrade.ts):
 * the /v1 guards (or the admin check: the token, or a console session from Levee's own origin) run
 * before any upgrade, then the connection manager takes a
 * slot (429 past the client's limit, 503 past the replica's or while draining), and only then is
 * the handshake completed. Browsers, which cannot set headers, send the key as a subprotocol:
 * `Sec-WebSocket-Protocol: levee.events.v1, levee.key.<base64url of the key>`; the server answers
 * `levee.events.v1` and the key goes nowhere else.
 */
import type { Router } from '@koa/router';
import { WebSocketServer } from 'ws';
import { LeveeError, retryAfterHeader } from '../../errors.ts';
import type { Events } from '../../features/events/events.ts';
import type { HealthService } from '../../features/health/health-service.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { LeveeContext, LeveeMiddleware, LeveeState } from '../state.ts';
import type { ConnectionManager, Endpoint } from '../websocket/connection-manager.ts';
import { acceptUpgrade, checkHandshake, isUpgrade } from '../websocket/upgrade.ts';

const EVENTS_PROTOCOL = 'levee.events.v1';
const KEY_PROTOCOL_PREFIX = 'levee.key.';

export interface EventsOptions {
  events: Events;
  manager: ConnectionManager;
  health: Pick<HealthService, 'phase'>;
  metrics: Metrics;
}

export function eventRoutes(router: Router<LeveeState>, options: EventsOptions, guards: RouteGuards = () => [], admin?: LeveeMiddleware): void {
  // The browser's key arrives as a subprotocol; the guards then check it like a header.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false) });
  router.get('/v1/events', keyFromSubprotocol, ...guards('/v1/events'), (ctx) => upgrade(ctx, 'client', ctx.state.client ?? ctx.ip));
  if (admin !== undefined) router.get('/admin/events', admin, (ctx) => upgrade(ctx, 'admin', ''));

  async function upgrade(ctx: LeveeContext, endpoint: Endpoint, client: string): Promise<void> {
    if (!isUpgrade(ctx.req)) throw new LeveeError('upgrade_required', `${ctx.path} is a WebSocket endpoint: connect with the Upgrade handshake.`, { headers: { Upgrade: 'websocket' } });
    checkHandshake(ctx.req);
    if (options.health.phase === 'draining') {
      options.metrics.websocketRefused.inc({ endpoint, reason: 'draining' });
      throw new LeveeError('replica_unavailable', 'This replica is shutting down; connect again (elsewhere).', { headers: retryAfterHeader(1_000) });
    }
    const reservation = options.manager.reserve(endpoint, client);
    // Answered by the handshake itself: 101 in the access log, no Koa response.
    ctx.status = 101;
    ctx.respond = false;
    let socket;
    try {
      socket = await acceptUpgrade(wss, ctx.req, ctx.res);
    } catch {
      reservation.release();
      return;
    }
    const connection = reservation.accept(socket);
    if (endpoint === 'admin') {
      const feed = options.events.adminFeed((message) => options.manager.broadcast('admin', message));
      connection.onMessage((message) => {
        const isPing = typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ping';
        connection.send(isPing ? { type: 'pong' } : { type: 'error', error: { code: 'invalid_message', message: 'Operators only listen here; the one message is {"type":"ping"}.', param: null } });
      });
      connection.send({ type: 'welcome', connection_id: connection.id, protocol: EVENTS_PROTOCOL });
      connection.send(feed.snapshot());
      return;
    }
    const session = options.events.openSession(ctx.state.client ?? '', (message) => connection.send(message));
    connection.onMessage((message) => void session.receive(message));
    connection.onClose(() => session.close());
    connection.send({ type: 'welcome', connection_id: connection.id, protocol: EVENTS_PROTOCOL });
  }
}

/** `levee.key.<base64url>` in Sec-WebSocket-Protocol becomes the Authorization header, when there is none. */
const keyFromSubprotocol: LeveeMiddleware = async (ctx, next) => {
  const offered = ctx.get('Sec-WebSocket-Protocol');
  if (!ctx.get('Authorization') && offered) {
    const token = offered.split(',').map((protocol) => protocol.trim()).find((protocol) => protocol.startsWith(KEY_PROTOCOL_PREFIX));
    if (token) ctx.request.headers.authorization = `Bearer ${Buffer.from(token.slice(KEY_PROTOCOL_PREFIX.length), 'base64url').toString('utf8')}`;
  }
  await next();
};
