/**
 * Wires Redis as an optional dependency: one connection set, its policy sheet, telemetry and the
 * degradation tracker. Callers (the Redis implementations under capabilities/) go through
 * `attempt`, which never throws: it answers `undefined` when Redis failed, timed out or was
 * skipped (breaker open, disconnected), and the caller then uses its local state.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { SharedStateConfig } from '../../config/shared-state.ts';
import { classifyFailure } from '../../resilience/classification.ts';
import { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import { InstrumentedCalls } from '../../resilience/instrumented-calls.ts';
import { bridgeTelemetry } from '../../resilience/telemetry-bridge.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { RedisConnection, type RedisClient } from './client.ts';
import { Degradation } from './degradation.ts';
import { redisPolicySheet, type RedisOperation } from './policies.ts';

export interface RedisDependencyOptions {
  url: string;
  config: SharedStateConfig;
  metrics: Metrics;
  logger: Logger;
  /** Features known up front, so their degradation series exist before their first fallback. */
  sharedFeatures?: readonly string[];
}

/** A command against Redis; honour the signal (the attempt's timeout) where the client allows. */
export type RedisCommand<T> = (client: RedisClient, signal: AbortSignal) => Promise<T>;

const NO_DEADLINE = new AbortController().signal;

export class RedisDependency {
  readonly connection: RedisConnection;
  readonly policies: DependencyPolicies<RedisOperation>;
  readonly degradation: Degradation;
  readonly keyPrefix: string;
  readonly config: SharedStateConfig;
  /** Where Redis is, for health output (never with credentials). */
  readonly upstreamLabel: string;
  readonly #calls: InstrumentedCalls<RedisOperation>;

  constructor(options: RedisDependencyOptions) {
    this.config = options.config;
    this.keyPrefix = options.config.redis.keyPrefix;
    const url = new URL(options.url);
    this.upstreamLabel = `${url.protocol}//${url.host}`;
    this.connection = new RedisConnection({ url: options.url, logger: options.logger, connectTimeoutMs: 1_000 });
    this.policies = new DependencyPolicies(redisPolicySheet(options.config.redis));
    bridgeTelemetry(this.policies, options.metrics, options.logger);
    this.#calls = new InstrumentedCalls(this.policies, options.metrics);
    this.degradation = new Degradation(options.metrics, options.logger, options.sharedFeatures);
    // A fresh connection is the best probe there is: stop skipping Redis at once.
    this.connection.onReady(() => {
      if (this.policies.breaker.state !== 'closed') this.policies.breaker.reset('reconnected');
    });
  }

  /** Whether a call would be tried now (connected, breaker not refusing). */
  get usable(): boolean {
    const state = this.policies.breaker.state;
    return this.connection.ready && (state === 'closed' || state === 'half_open');
  }

  /**
   * Runs `command` under Redis's policies for `feature`, or answers undefined (and records the
   * fallback) when Redis cannot be used. `signal` is the caller's (its deadline bounds the wait);
   * background work passes none and is not traced, so sync loops do not flood the trace store.
   */
  async attempt<T>(feature: string, operation: RedisOperation, command: RedisCommand<T>, signal?: AbortSignal): Promise<T | undefined> {
    if (!this.connection.ready) {
      this.degradation.fellBack(feature, 'disconnected');
      return undefined;
    }
    const callerSignal = signal ?? NO_DEADLINE;
    const run = () =>
      this.#calls.run({ operation, model: operation, attemptSpanName: `redis ${operation}` }, callerSignal, ({ signal: attemptSignal }) =>
        command(this.connection.commands, attemptSignal),
      );
    try {
      const value = await (signal ? run() : context.with(suppressTracing(context.active()), run));
      this.degradation.succeeded(feature);
      return value;
    } catch (error) {
      // The caller giving up is not Redis's fault and says nothing about shared state.
      if (!callerSignal.aborted) this.degradation.fellBack(feature, classifyFailure(error, callerSignal, this.policies.sheet.classify).errorType);
      return undefined;
    }
  }

  /** Connects, waiting at most `waitMs`; false means Levee starts on local state. */
  connect(waitMs: number): Promise<boolean> {
    return this.connection.connect(waitMs);
  }

  /** One PING outside the policies (a health probe must neither trip nor heal the breaker). */
  async ping(signal: AbortSignal): Promise<void> {
    await this.connection.commands.withAbortSignal(signal).ping();
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
