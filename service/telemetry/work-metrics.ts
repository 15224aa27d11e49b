/**
 * The metrics of background work (the job queue, batch lines, imported documents) and of live
 * WebSocket connections; createMetrics (metrics.ts) spreads them into Levee's one set.
 */
import client from 'prom-client';
import { LABEL, METRIC } from './names.ts';

type Registers = client.Registry[];

export function jobMetrics(registers: Registers) {
  return {
    jobsQueued: new client.Gauge({ name: METRIC.jobsQueued, help: 'Jobs waiting in a queue (created or due for a retry).', labelNames: [LABEL.queue], registers }),
    jobsActive: new client.Gauge({ name: METRIC.jobsActive, help: 'Jobs running, on any worker of the fleet.', labelNames: [LABEL.queue], registers }),
    jobsOldestWaiting: new client.Gauge({
      name: METRIC.jobsOldestWaiting,
      help: 'Seconds the oldest waiting job of a queue has waited (0 when none waits): the backlog alert watches it.',
      labelNames: [LABEL.queue],
      registers,
    }),
    batchLines: new client.Counter({
      name: METRIC.batchLines,
      help: 'Batch lines by endpoint and result: completed (2xx), failed (an answer with an error status, counted in the batch), deferred (not now: a breaker open, a rate limit; run again later).',
      labelNames: [LABEL.endpoint, LABEL.result],
      registers,
    }),
    importDocuments: new client.Counter({
      name: METRIC.importDocuments,
      help: 'Documents of imports into collections by result: completed (written), failed (a bad line of the file, or a chunk given up on after its retries).',
      labelNames: [LABEL.result],
      registers,
    }),
  };
}

export function websocketMetrics(registers: Registers) {
  return {
    websocketConnections: new client.Gauge({
      name: METRIC.websocketConnections,
      help: 'Open WebSocket connections on this replica, by endpoint (client: /v1/events, admin: /admin/events).',
      labelNames: [LABEL.endpoint],
      registers,
    }),
    websocketConnectionsLimit: new client.Gauge({ name: METRIC.websocketConnectionsLimit, help: 'WS_MAX_CONNECTIONS: the connections this replica accepts in all.', registers }),
    websocketRefused: new client.Counter({
      name: METRIC.websocketRefused,
      help: 'Upgrades refused by the connection manager: per_client_limit (429), total_limit (503), draining (503). Refusals for a missing or wrong key count in levee_auth_failures_total.',
      labelNames: [LABEL.endpoint, LABEL.reason],
      registers,
    }),
    websocketClosed: new client.Counter({
      name: METRIC.websocketClosed,
      help: 'WebSocket connections closed, by reason: client, idle (no message either way for WS_IDLE_TIMEOUT_MS), slow_consumer (send buffer full), shutdown (1001), sweep (found dead).',
      labelNames: [LABEL.endpoint, LABEL.reason],
      registers,
    }),
    websocketTerminated: new client.Counter({
      name: METRIC.websocketTerminated,
      help: 'WebSocket connections cut without a close handshake: pong_timeout (no pong within WS_PONG_TIMEOUT_MS of a ping).',
      labelNames: [LABEL.endpoint, LABEL.reason],
      registers,
    }),
    websocketMessagesSent: new client.Counter({
      name: METRIC.websocketMessagesSent,
      help: 'WebSocket messages sent, by endpoint and message type.',
      labelNames: [LABEL.endpoint, LABEL.messageType],
      registers,
    }),
    websocketSendBufferDrops: new client.Counter({
      name: METRIC.websocketSendBufferDrops,
      help: 'Messages not sent because the connection\'s send buffer was full (WS_SEND_BUFFER_BYTES); the connection is closed for it.',
      labelNames: [LABEL.endpoint],
      registers,
    }),
  };
}
