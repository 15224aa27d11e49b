/**
 * Job notices through Redis pub/sub (channel `<prefix>jobs`), so a client on one replica hears of
 * work done on another at once. Each notice also reaches this process's own listeners directly,
 * so a replica never depends on Redis to hear itself. With Redis down, publishing is skipped and
 * followers fall back to polling the store; the subscription comes back with the connection
 * (node-redis re-subscribes after a reconnect).
 */
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { JobNotices } from './job-notices.ts';
import { LocalJobNotices } from './local-job-notices.ts';

/** How often a subscription that failed (Redis was down at start) is tried again. */
const RESUBSCRIBE_MS = 5_000;

export class RedisJobNotices implements JobNotices {
  readonly #redis: RedisDependency;
  readonly #logger: Logger;
  readonly #local = new LocalJobNotices();
  readonly #channel: string;
  /** The replica's own id in each message: its own notices come back through Redis too, and are skipped. */
  readonly #origin = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  #subscribed = false;

  constructor(redis: RedisDependency, logger: Logger) {
    this.#redis = redis;
    this.#logger = logger;
    this.#channel = `${redis.keyPrefix}jobs`;
    const retry = setInterval(() => void this.#subscribe(), RESUBSCRIBE_MS);
    retry.unref();
    void this.#subscribe();
  }

  publish(jobId: string): void {
    this.#local.publish(jobId);
    if (!this.#redis.usable) return;
    this.#redis.connection.commands.publish(this.#channel, `${this.#origin} ${jobId}`).catch((error: unknown) => this.#logger.debug({ err: error }, 'job notice not published'));
  }

  subscribe(listener: (jobId: string) => void): void {
    this.#local.subscribe(listener);
  }

  async #subscribe(): Promise<void> {
    if (this.#subscribed || !this.#redis.connection.subscriber.isReady) return;
    try {
      await this.#redis.connection.subscriber.subscribe(this.#channel, (message) => {
        const [origin, jobId] = message.split(' ');
        if (origin !== this.#origin && jobId) this.#local.publish(jobId);
      });
      this.#subscribed = true;
    } catch (error) {
      this.#logger.debug({ err: error }, 'job notices: subscribe failed, retrying');
    }
  }
}
