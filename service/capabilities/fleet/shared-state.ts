/**
 * The fleet's shared view, kept in Redis: each dependency's circuit breaker and "rate-limited
 * until" gate, and which replicas are alive. Changes travel by pub/sub (milliseconds); a periodic
 * sync re-reads everything as the safety net for lost messages, a restarted Redis and a replica
 * that just started (the first sync runs before it serves, so it starts open if the fleet is).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import type { RateLimitGate } from '../../resilience/rate-limit-gate.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { parseSharedState } from './breaker-scripts.ts';
import { CLOSE_GATE } from './gate-scripts.ts';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';
import { SharedBreakerLink } from './shared-breaker-link.ts';

interface SharedGate {
  gate: RateLimitGate;
  key: string;
}

type FleetMessage =
  | { type: 'breaker'; dependency: string; state: 'closed' | 'open' | 'isolated'; opened_at: number; version: number; origin: string }
  | { type: 'gate'; dependency: string; until: number; status: number; origin: string };

export class SharedState {
  readonly replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly channel: string;
  readonly #redis: RedisDependency;
  readonly #logger: Logger;
  readonly #breakers = new Map<string, SharedBreakerLink>();
  readonly #gates = new Map<string, SharedGate>();
  readonly #replicasKey: string;
  #syncTimer: ReturnType<typeof setInterval> | undefined;
  #subscribed = false;
  #liveReplicas = 1;

  constructor(redis: RedisDependency, logger: Logger) {
    this.#redis = redis;
    this.#logger = logger;
    this.channel = `${redis.keyPrefix}events`;
    this.#replicasKey = `${redis.keyPrefix}replicas`;
  }

  /** Replicas seen alive at the last sync (at least 1): local fallbacks divide fleet-wide limits by it. */
  get liveReplicas(): number {
    return this.#liveReplicas;
  }

  /** Shares a dependency's breaker (when enabled) and rate-limit gate with the fleet. */
  attach(policies: DependencyPolicies<string>): void {
    // The policies' name (`llm/<provider>`, `postgres`) keys its breaker, gate and messages.
    const dependency = policies.name;
    if (policies.sheet.breaker.enabled) {
      const link = new SharedBreakerLink({
        redis: this.#redis,
        breaker: policies.breaker,
        thresholds: policies.sheet.breaker,
        replicaId: this.replicaId,
        channel: this.channel,
        flushIntervalMs: this.#redis.config.breakerFlushMs,
      });
      policies.breaker.attachFleet(link);
      this.#breakers.set(dependency, link);
    }
    const shared = { gate: policies.gate, key: `${this.#redis.keyPrefix}gate:${dependency}` };
    this.#gates.set(dependency, shared);
    policies.gate.onClose(({ until, status, source }) => {
      if (source !== 'local') return;
      const args = [until, status, this.channel, dependency, this.replicaId];
      void this.#redis.attempt(SHARED_FEATURE.circuitBreakers, 'breakers', (client, signal) => CLOSE_GATE.run(client, signal, [shared.key], args));
    });
  }

  /** Subscribes and syncs once (bounded by Redis's timeout), then keeps syncing in the background. */
  async start(): Promise<void> {
    await this.sync();
    this.#syncTimer = setInterval(() => void this.sync(), this.#redis.config.syncIntervalMs);
    this.#syncTimer.unref();
  }

  /** Re-reads every shared breaker and gate, and refreshes this replica's heartbeat. */
  async sync(): Promise<void> {
    await this.#subscribe();
    const breakers = [...this.#breakers.values()];
    const gates = [...this.#gates.values()];
    const now = Date.now();
    // A replica missing three syncs in a row is gone.
    const staleBefore = now - 3 * this.#redis.config.syncIntervalMs - 1_000;
    const replies = await this.#redis.attempt(SHARED_FEATURE.circuitBreakers, 'sync', (client, signal) => {
      const batch = client.withAbortSignal(signal).multi();
      for (const link of breakers) batch.hmGet(link.keys[0], ['state', 'opened_at', 'version']);
      for (const { key } of gates) batch.hmGet(key, ['until', 'status']);
      batch.zAdd(this.#replicasKey, { score: now, value: this.replicaId });
      batch.zRemRangeByScore(this.#replicasKey, '-inf', staleBefore);
      batch.zCard(this.#replicasKey);
      batch.pExpire(this.#replicasKey, 60_000);
      return batch.exec() as Promise<unknown[]>;
    });
    if (!replies) return;
    // The same fields as the scripts return; a missing hash reads as closed, version 0.
    breakers.forEach((link, index) => link.reconcile(parseSharedState(replies[index])));
    gates.forEach(({ gate }, index) => {
      const [until, status] = replies[breakers.length + index] as Array<string | null>;
      if (until) gate.closeUntil(Number(until), status === '503' ? 503 : 429, 'peer');
    });
    this.#liveReplicas = Math.max(1, Number(replies[breakers.length + gates.length + 2] ?? 1));
  }

  async close(): Promise<void> {
    clearInterval(this.#syncTimer);
    for (const link of this.#breakers.values()) link.close();
  }

  /** Once subscribed, node-redis re-subscribes by itself after every reconnect. */
  async #subscribe(): Promise<void> {
    if (this.#subscribed || !this.#redis.connection.subscriber.isReady) return;
    try {
      await this.#redis.connection.subscriber.subscribe(this.channel, (message) => this.#receive(message));
      this.#subscribed = true;
    } catch (error) {
      this.#logger.debug({ err: error }, 'shared state: subscribe failed, retrying at the next sync');
    }
  }

  #receive(raw: string): void {
    let message: FleetMessage;
    try {
      message = JSON.parse(raw) as FleetMessage;
    } catch {
      return;
    }
    if (message.type === 'breaker') {
      this.#breakers.get(message.dependency)?.apply({ state: message.state, openedAt: Number(message.opened_at), version: Number(message.version) });
    } else if (message.type === 'gate' && message.origin !== this.replicaId) {
      this.#gates.get(message.dependency)?.gate.closeUntil(Number(message.until), message.status === 503 ? 503 : 429, 'peer');
    }
  }
}
