/**
 * WebSocket subscribers to Levee's live notifications (`GET /v1/events`), open for the whole soak:
 * some follow every job of the client (`subscribe all`), one follows the batch by id once it
 * exists. Each counts what it receives and the batch status it was last told of; a close before
 * the soak closes it is recorded (none is expected, Redis outages included: the events poll
 * carries on without Redis).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { CLIENT_AUTHORIZATION } from '../client-key.ts';
import type { SubscriberRecord } from './soak-results.ts';

const OPEN_TIMEOUT_MS = 10_000;

interface EventMessage {
  type?: string;
  batch?: { id?: string; status?: string };
}

export class Subscriber {
  readonly record: SubscriberRecord;
  readonly #socket: WebSocket;
  #closing = false;

  private constructor(name: string, socket: WebSocket, elapsed: () => number, batchId: () => string | undefined) {
    this.record = { name, messages: {}, unexpectedCloses: [] };
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as EventMessage;
      const type = message.type ?? 'untyped';
      this.record.messages[type] = (this.record.messages[type] ?? 0) + 1;
      if (type === 'batch.updated' && message.batch?.id !== undefined && message.batch.id === batchId()) this.record.lastBatchStatus = message.batch.status;
    });
    socket.on('close', (code) => {
      if (!this.#closing) this.record.unexpectedCloses.push({ t: elapsed(), code });
    });
    // Past the handshake an error ends in 'close', recorded above.
    socket.on('error', () => {});
  }

  /** Opens `/v1/events` with the soak's key; `batchId` names the batch whose updates count. */
  static async open(leveeUrl: string, name: string, elapsed: () => number, batchId: () => string | undefined): Promise<Subscriber> {
    const socket = new WebSocket(`${leveeUrl.replace(/^http/, 'ws')}/v1/events`, { headers: CLIENT_AUTHORIZATION });
    const subscriber = new Subscriber(name, socket, elapsed, batchId);
    await once(socket, 'open', { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) });
    return subscriber;
  }

  subscribeAll(): void {
    this.#socket.send(JSON.stringify({ type: 'subscribe', all: true }));
  }

  subscribe(jobId: string): void {
    this.#socket.send(JSON.stringify({ type: 'subscribe', jobs: [jobId] }));
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.#socket, 'close');
    this.#socket.close();
    await closed;
  }
}
