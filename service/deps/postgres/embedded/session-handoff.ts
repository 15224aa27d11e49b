/**
 * Lets several clients share the one PGlite session safely. pglite-socket 0.2.17 multiplexes
 * clients message by message: it keeps an open transaction to its client, but between two
 * messages of one extended-protocol exchange (Parse, Bind, Execute … Sync, which the `pg` driver
 * sends for every parameterised query) another client's Parse may run, so a Bind would bind the
 * other client's statement. Here the session belongs to one client from its first message until
 * PGlite answers ReadyForQuery with status idle ('I'): a whole exchange, or a whole transaction
 * (status 'T' or 'E' keeps it). A client that disconnects while holding it gets a ROLLBACK and
 * the session moves on. Named prepared statements stay shared by every client; Levee and pg-boss
 * use unnamed ones only.
 *
 * This replaces two methods of pglite-socket's internal query queue (pinned version; checked by
 * test/postgres.shared-server.test.ts).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A queued message, as pglite-socket's queue holds it. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  onData: (data: Uint8Array) => void;
}

/** The parts of pglite-socket's internal queue this module takes over. */
interface QueryQueue {
  db: PGlite;
  queue: QueuedMessage[];
  processing: boolean;
  processQueue(): Promise<void>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

/** ReadyForQuery: 'Z', length 5, then the transaction status byte. */
const READY_FOR_QUERY = 0x5a;
const IDLE = 0x49;
const TERMINATE = 0x58;

export function handOffSessionPerExchange(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== 'function') {
    throw new Error('pglite-socket changed: its query queue is not where session-handoff.ts expects it');
  }
  /** The client holding the session; undefined while it is idle. */
  let owner: number | undefined;
  /** The client whose message PGlite is running now. */
  let running: number | undefined;
  /** Clients that left while their message was running: cleaned up once it ends. */
  const departed = new Set<number>();
  /** Ends what a departed client left open, and frees the session. */
  const release = async (db: PGlite) => {
    if (db.isInTransaction()) await db.exec('ROLLBACK').catch(() => undefined);
    owner = undefined;
  };

  queue.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        const index = owner === undefined ? 0 : this.queue.findIndex((queued) => queued.handlerId === owner);
        // The owner's next message has not arrived: the others wait (enqueue starts us again).
        if (index < 0 || index >= this.queue.length) return;
        const [next] = this.queue.splice(index, 1);
        owner = next!.handlerId;
        running = owner;
        let bytes = 0;
        let tail: Uint8Array = new Uint8Array(0);
        let failure: { error: unknown } | undefined;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next!.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                tail = lastBytes(tail, data, 6);
                next!.onData(data);
              },
            }),
          );
        } catch (error) {
          failure = { error };
        }
        running = undefined;
        // Idle again: the exchange (or transaction) is over and another client may have the session.
        // A Terminate gets no answer: its client is leaving.
        if ((tail.length === 6 && tail[0] === READY_FOR_QUERY && tail[5] === IDLE) || next!.message[0] === TERMINATE) owner = undefined;
        // Its client left while it ran (a BEGIN may just have opened a transaction nobody will end).
        if (departed.delete(next!.handlerId)) await release(this.db);
        if (failure) next!.reject(failure.error);
        else next!.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  queue.clearTransactionIfNeeded = async function clearTransactionIfNeeded(this: QueryQueue, handlerId: number): Promise<void> {
    if (running === handlerId) {
      departed.add(handlerId);
      return;
    }
    if (owner !== handlerId) return;
    // Cut mid-exchange or mid-transaction: end what it left open, then serve the others.
    await release(this.db);
    await this.processQueue();
  };
}

/** The last `count` bytes of `previous` followed by `data`. */
function lastBytes(previous: Uint8Array, data: Uint8Array, count: number): Uint8Array {
  if (data.length >= count) return data.slice(data.length - count);
  const joined = new Uint8Array(previous.length + data.length);
  joined.set(previous);
  joined.set(data, previous.length);
  return joined.slice(Math.max(0, joined.length - count));
}
