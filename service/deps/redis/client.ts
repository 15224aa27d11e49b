/**
 * One connection set per process: a command connection and a subscriber (Redis requires a
 * dedicated connection for pub/sub). Commands fail at once while disconnected instead of queueing
 * (so callers fall back to local state within their timeout), and both connections reconnect on
 * their own with a capped backoff, so recovery needs no manual step.
 */
import { createClient } from 'redis';
import type { Logger } from '../../telemetry/logger.ts';

export type RedisClient = ReturnType<typeof createClient>;

/** Reconnect after 100 ms, doubling to 1 s: a restarted Redis is back in use within about a second. */
const reconnectDelay = (retries: number) => Math.min(100 * 2 ** retries, 1_000) + Math.floor(Math.random() * 100);

export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /** A connection attempt gives up after this long (then the backoff applies). */
  connectTimeoutMs: number;
}

export class RedisConnection {
  readonly commands: RedisClient;
  readonly subscriber: RedisClient;
  readonly #logger: Logger;
  readonly #readyListeners = new Set<() => void>();
  #connected = false;
  #closing = false;

  constructor(options: RedisConnectionOptions) {
    this.#logger = options.logger;
    this.commands = createClient({
      url: options.url,
      disableOfflineQueue: true,
      // Bounded: a Redis that stops answering cannot make commands pile up without end.
      commandsQueueMaxLength: 10_000,
      socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: reconnectDelay },
    });
    this.subscriber = this.commands.duplicate();
    this.#watch(this.commands, 'commands');
    this.#watch(this.subscriber, 'subscriber');
  }

  /** True while commands can be sent. */
  get ready(): boolean {
    return this.commands.isReady;
  }

  /** Fires each time the command connection becomes ready, the first time and after every reconnect. */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /**
   * Starts connecting and waits at most `waitMs` for the first connection: a Redis that is down at
   * start-up must not keep Levee from serving (it keeps trying in the background).
   */
  async connect(waitMs: number): Promise<boolean> {
    const both = Promise.all([this.commands.connect(), this.subscriber.connect()]).then(() => true);
    // connect() rejects only if the reconnect strategy gives up, which ours never does; the
    // errors of each attempt arrive as 'error' events, logged below.
    both.catch(() => undefined);
    const timer = new Promise<false>((resolve) => setTimeout(resolve, waitMs, false).unref());
    const connected = await Promise.race([both, timer]);
    if (!connected) this.#logger.warn({ waited_ms: waitMs }, 'redis unreachable at start-up: serving on local state and reconnecting in the background');
    return connected;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled([this.commands.close(), this.subscriber.close()]);
  }

  #watch(client: RedisClient, role: 'commands' | 'subscriber'): void {
    // Without an 'error' listener node-redis would crash the process on the first socket error.
    client.on('error', (error: Error) => {
      if (this.#closing) return;
      if (role === 'commands' && this.#connected) {
        this.#connected = false;
        this.#logger.warn({ err: { name: error.name, message: error.message } }, 'redis connection lost: shared state falls back to local until it returns');
      }
    });
    client.on('ready', () => {
      if (role !== 'commands') return;
      if (!this.#connected) this.#logger.info('redis connected: shared state in use');
      this.#connected = true;
      for (const listener of this.#readyListeners) listener();
    });
  }
}
