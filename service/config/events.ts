/**
 * Live notifications over WebSocket (`/v1/events`, `/admin/events`): the connection manager's
 * limits and timers (seed 004's numbers as defaults), and how job progress is followed.
 */
import { integer, type ParsedEnvironment } from './env-parsers.ts';

export const eventsEnvironment = {
  /** Open connections per client (key name; IP when access is open), per replica; the next is refused 429. */
  WS_MAX_CONNECTIONS_PER_CLIENT: integer({ min: 1, max: 10_000 }).default(5),
  /** Open connections in all, per replica; the next is refused 503. */
  WS_MAX_CONNECTIONS: integer({ min: 1, max: 100_000 }).default(1_000),
  /** A ping this often on every connection. */
  WS_PING_INTERVAL_MS: integer({ min: 50, max: 600_000 }).default(30_000),
  /** A connection whose pong has not come this long after a ping is terminated. */
  WS_PONG_TIMEOUT_MS: integer({ min: 50, max: 600_000 }).default(10_000),
  /** A connection with no message either way (pings aside) this long is closed. */
  WS_IDLE_TIMEOUT_MS: integer({ min: 100, max: 86_400_000 }).default(3_600_000),
  /** How often a sweep removes what a missed event left behind (dead sockets, stale subscriptions). */
  WS_SWEEP_INTERVAL_MS: integer({ min: 100, max: 3_600_000 }).default(60_000),
  /** Bytes queued to one client at most; a client that falls further behind is closed (1008). */
  WS_SEND_BUFFER_BYTES: integer({ min: 1_024, max: 64 * 1024 * 1024 }).default(1024 * 1024),
  /** Followed jobs are re-read from Postgres this often (the path that needs no Redis; with Redis, a worker's notice also triggers a read). */
  EVENTS_POLL_INTERVAL_MS: integer({ min: 100, max: 60_000 }).default(1_000),
};

type EventsEnvironment = ParsedEnvironment<typeof eventsEnvironment>;

export interface EventsConfig {
  maxConnectionsPerClient: number;
  maxConnections: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  idleTimeoutMs: number;
  sweepIntervalMs: number;
  sendBufferBytes: number;
  pollIntervalMs: number;
}

export function eventsConfig(env: EventsEnvironment): EventsConfig {
  return {
    maxConnectionsPerClient: env.WS_MAX_CONNECTIONS_PER_CLIENT,
    maxConnections: env.WS_MAX_CONNECTIONS,
    pingIntervalMs: env.WS_PING_INTERVAL_MS,
    pongTimeoutMs: env.WS_PONG_TIMEOUT_MS,
    idleTimeoutMs: env.WS_IDLE_TIMEOUT_MS,
    sweepIntervalMs: env.WS_SWEEP_INTERVAL_MS,
    sendBufferBytes: env.WS_SEND_BUFFER_BYTES,
    pollIntervalMs: env.EVENTS_POLL_INTERVAL_MS,
  };
}
