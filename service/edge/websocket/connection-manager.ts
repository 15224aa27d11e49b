/**
 * Seed 004's WebSocket connection manager, per replica: limits per client and in total (a slot
 * is reserved before the upgrade, so a refusal is still an HTTP answer), a ping every interval
 * with a pong deadline, an idle timeout, a periodic sweep, a bounded send buffer per connection,
 * and a going-away close for all at shutdown. Logs connect, refuse, terminate and close with their
 * reason; metrics count each.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { EventsConfig } from '../../config/events.ts';
import { LeveeError, retryAfterHeader } from '../../errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';

export type Endpoint = 'client' | 'admin';

/** Close codes (RFC 6455): going away at shutdown, policy for a consumer too slow; 4000+ are ours. */
const CLOSE = { goingAway: 1001, policy: 1008, idle: 4000 } as const;

export type CloseReason = 'client' | 'idle' | 'slow_consumer' | 'shutdown' | 'sweep' | 'pong_timeout';

export interface Connection {
  readonly id: string;
  readonly endpoint: Endpoint;
  /** The key's name (the IP when access is open); '' for an operator. */
  readonly client: string;
  /** Sends one JSON message; false when the connection is gone or was closed for falling behind. */
  send(message: { type: string } & Record<string, unknown>): boolean;
  /** Called for each JSON message the client sends (anything else is answered with an error message). */
  onMessage(handler: (message: unknown) => void): void;
  onClose(handler: () => void): void;
}

/** A slot held from before the upgrade: accept it with the socket, or release it if the upgrade failed. */
export interface Reservation {
  accept(socket: WebSocket): Connection;
  release(): void;
}

interface Entry {
  connection: Connection;
  socket: WebSocket;
  pongTimer: ReturnType<typeof setTimeout> | undefined;
  idleTimer: ReturnType<typeof setTimeout>;
  closing: CloseReason | undefined;
}

export interface ConnectionManagerOptions {
  config: EventsConfig;
  logger: Logger;
  metrics: Metrics;
}

export class ConnectionManager {
  readonly #options: ConnectionManagerOptions;
  readonly #entries = new Map<string, Entry>();
  /** Slots taken per client (reserved or open), per endpoint. */
  readonly #perClient = new Map<string, number>();
  #total = 0;
  readonly #pinger: ReturnType<typeof setInterval>;
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options: ConnectionManagerOptions) {
    this.#options = options;
    const { metrics, config } = options;
    for (const endpoint of ['client', 'admin'] as const) {
      metrics.websocketConnections.set({ endpoint }, 0);
      for (const reason of ['per_client_limit', 'total_limit', 'draining']) metrics.websocketRefused.inc({ endpoint, reason }, 0);
      for (const reason of ['client', 'idle', 'slow_consumer', 'shutdown', 'sweep']) metrics.websocketClosed.inc({ endpoint, reason }, 0);
      metrics.websocketTerminated.inc({ endpoint, reason: 'pong_timeout' }, 0);
      metrics.websocketSendBufferDrops.inc({ endpoint }, 0);
    }
    metrics.websocketConnectionsLimit.set(config.maxConnections);
    this.#pinger = setInterval(() => this.#pingAll(), config.pingIntervalMs);
    this.#pinger.unref();
    this.#sweeper = setInterval(() => this.#sweep(), config.sweepIntervalMs);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Takes a slot for `client`, or throws the refusal (429 for the client's limit, 503 for the total). */
  reserve(endpoint: Endpoint, client: string): Reservation {
    const { config, metrics, logger } = this.#options;
    const key = `${endpoint}\0${client}`;
    if (this.#total >= config.maxConnections) {
      metrics.websocketRefused.inc({ endpoint, reason: 'total_limit' });
      logger.warn({ endpoint, client, open: this.#total, limit: config.maxConnections }, 'websocket refused: total connection limit');
      throw new LeveeError('replica_unavailable', `This replica holds its ${config.maxConnections} event connections; retry shortly or elsewhere.`, { headers: retryAfterHeader(5_000) });
    }
    if ((this.#perClient.get(key) ?? 0) >= config.maxConnectionsPerClient) {
      metrics.websocketRefused.inc({ endpoint, reason: 'per_client_limit' });
      logger.warn({ endpoint, client, limit: config.maxConnectionsPerClient }, 'websocket refused: connection limit per client');
      throw new LeveeError('too_many_connections', `At most ${config.maxConnectionsPerClient} open event connections per client; close one first.`, { headers: retryAfterHeader(5_000) });
    }
    this.#total += 1;
    this.#perClient.set(key, (this.#perClient.get(key) ?? 0) + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.#total -= 1;
      const left = (this.#perClient.get(key) ?? 1) - 1;
      if (left > 0) this.#perClient.set(key, left);
      else this.#perClient.delete(key);
    };
    return { accept: (socket) => this.#accept(endpoint, client, socket, release), release };
  }

  /** Sends to every open connection of `endpoint` (admin events). */
  broadcast(endpoint: Endpoint, message: { type: string } & Record<string, unknown>): void {
    for (const entry of this.#entries.values()) if (entry.connection.endpoint === endpoint) entry.connection.send(message);
  }

  /** Shutdown: a going-away close for every connection; those still open after `waitMs` are cut. */
  async closeAll(waitMs: number): Promise<void> {
    clearInterval(this.#pinger);
    clearInterval(this.#sweeper);
    const open = [...this.#entries.values()];
    for (const entry of open) this.#close(entry, 'shutdown', CLOSE.goingAway, 'server shutting down');
    const deadline = Date.now() + waitMs;
    while (this.#entries.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const entry of this.#entries.values()) entry.socket.terminate();
  }

  #accept(endpoint: Endpoint, client: string, socket: WebSocket, release: () => void): Connection {
    const { config, logger, metrics } = this.#options;
    const id = randomUUID();
    const messageHandlers: Array<(message: unknown) => void> = [];
    const closeHandlers: Array<() => void> = [];
    const connection: Connection = {
      id,
      endpoint,
      client,
      send: (message) => this.#send(entry, message),
      onMessage: (handler) => messageHandlers.push(handler),
      onClose: (handler) => closeHandlers.push(handler),
    };
    const entry: Entry = {
      connection,
      socket,
      pongTimer: undefined,
      idleTimer: setTimeout(() => this.#close(entry, 'idle', CLOSE.idle, 'idle timeout'), config.idleTimeoutMs),
      closing: undefined,
    };
    entry.idleTimer.unref();
    this.#entries.set(id, entry);
    metrics.websocketConnections.inc({ endpoint });
    logger.info({ endpoint, client, connection_id: id, open: this.#entries.size }, 'websocket connected');

    socket.on('pong', () => {
      clearTimeout(entry.pongTimer);
      entry.pongTimer = undefined;
    });
    socket.on('message', (data, isBinary) => {
      entry.idleTimer.refresh();
      let message: unknown;
      try {
        message = isBinary ? undefined : JSON.parse(String(data));
      } catch {
        message = undefined;
      }
      if (message === undefined) {
        connection.send({ type: 'error', error: { code: 'invalid_message', message: 'Each message must be one JSON object (text frame).', param: null } });
        return;
      }
      for (const handler of messageHandlers) handler(message);
    });
    socket.on('error', (error) => logger.debug({ err: error, connection_id: id }, 'websocket error'));
    socket.on('close', (code) => {
      clearTimeout(entry.pongTimer);
      clearTimeout(entry.idleTimer);
      if (!this.#entries.delete(id)) return;
      release();
      metrics.websocketConnections.dec({ endpoint });
      const reason = entry.closing ?? 'client';
      // A terminated connection is counted as such, not as closed.
      if (reason !== 'pong_timeout') metrics.websocketClosed.inc({ endpoint, reason });
      logger.info({ endpoint, client, connection_id: id, reason, code }, 'websocket closed');
      for (const handler of closeHandlers) handler();
    });
    return connection;
  }

  #send(entry: Entry, message: { type: string } & Record<string, unknown>): boolean {
    const { config, metrics } = this.#options;
    if (entry.closing || entry.socket.readyState !== WebSocket.OPEN) return false;
    const text = JSON.stringify(message);
    // What the socket has not yet written, plus this: past the bound, the client is not keeping up.
    if (entry.socket.bufferedAmount + Buffer.byteLength(text) > config.sendBufferBytes) {
      metrics.websocketSendBufferDrops.inc({ endpoint: entry.connection.endpoint });
      this.#close(entry, 'slow_consumer', CLOSE.policy, 'send buffer full: the client reads too slowly');
      return false;
    }
    entry.socket.send(text);
    entry.idleTimer.refresh();
    metrics.websocketMessagesSent.inc({ endpoint: entry.connection.endpoint, type: message.type });
    return true;
  }

  /** A close frame, then the socket is cut if the client does not complete the close in time. */
  #close(entry: Entry, reason: CloseReason, code: number, text: string): void {
    if (entry.closing) return;
    entry.closing = reason;
    this.#options.logger.info({ endpoint: entry.connection.endpoint, client: entry.connection.client, connection_id: entry.connection.id, reason, code }, 'websocket closing');
    entry.socket.close(code, text);
    // A client that reads nothing never answers the close frame.
    const cut = setTimeout(() => entry.socket.terminate(), this.#options.config.pongTimeoutMs);
    cut.unref();
  }

  #pingAll(): void {
    const { config, logger, metrics } = this.#options;
    for (const entry of this.#entries.values()) {
      if (entry.closing || entry.pongTimer || entry.socket.readyState !== WebSocket.OPEN) continue;
      entry.socket.ping();
      entry.pongTimer = setTimeout(() => {
        metrics.websocketTerminated.inc({ endpoint: entry.connection.endpoint, reason: 'pong_timeout' });
        logger.warn({ endpoint: entry.connection.endpoint, client: entry.connection.client, connection_id: entry.connection.id, reason: 'pong_timeout' }, 'websocket terminated');
        entry.closing = 'pong_timeout';
        entry.socket.terminate();
      }, config.pongTimeoutMs);
      entry.pongTimer.unref();
    }
  }

  /** Removes entries whose socket closed without its close event reaching us. */
  #sweep(): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.socket.readyState !== WebSocket.CLOSED) continue;
      entry.closing ??= 'sweep';
      entry.socket.emit('close', 1006, Buffer.alloc(0));
    }
  }
}
