/**
 * Connects one dependency's circuit breaker to the fleet through Redis. Outcomes are counted
 * locally and flushed in batches (one script call per flush interval, never per call); decisions
 * go out through atomic scripts that also publish them; the probe slot is a lock with an expiry,
 * renewed while the probe runs, so a replica that dies mid-probe frees it within seconds.
 */
import type { BreakerFleetLink, ProbeOutcome, ProbeSlot, SharedBreakerState } from '../../resilience/breaker-fleet.ts';
import type { CircuitBreaker } from '../../resilience/circuit-breaker.ts';
import type { PolicySheet } from '../../resilience/dependency-policies.ts';
import { ACQUIRE_PROBE, ANNOUNCE, COUNT_OUTCOMES, RENEW_PROBE, SETTLE_PROBE, parseSharedState } from './breaker-scripts.ts';
import type { RedisCommand, RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';

/** The probe slot expires this long after its last renewal. */
const PROBE_SLOT_TTL_MS = 5_000;
const PROBE_SLOT_RENEW_MS = 1_500;

export interface SharedBreakerLinkOptions {
  redis: RedisDependency;
  breaker: CircuitBreaker;
  thresholds: PolicySheet<string>['breaker'];
  /** This replica's id: the owner of the probe slot, and the origin of its messages. */
  replicaId: string;
  channel: string;
  flushIntervalMs: number;
}

export class SharedBreakerLink implements BreakerFleetLink {
  readonly dependency: string;
  readonly keys: [state: string, window: string, probe: string];
  readonly #options: SharedBreakerLinkOptions;
  #pending = { failures: 0, successes: 0 };
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** The fleet version this replica has applied. */
  #appliedVersion = 0;
  /** A local decision that could not be announced (Redis down), to push once it is back. */
  #unannounced = false;

  constructor(options: SharedBreakerLinkOptions) {
    this.#options = options;
    // The breaker's name (`llm/<provider>`): each provider's breaker has its own keys and messages.
    this.dependency = options.breaker.name;
    const base = `${options.redis.keyPrefix}breaker:${this.dependency}`;
    this.keys = [base, `${base}:window`, `${base}:probe`];
  }

  count(outcome: 'success' | 'failure'): void {
    if (outcome === 'failure') this.#pending.failures += 1;
    else this.#pending.successes += 1;
    if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => void this.flush(), this.#options.flushIntervalMs);
      this.#flushTimer.unref();
    }
  }

  /** Sends the batched counts; the fleet may answer that the circuit is now open. */
  async flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const { failures, successes } = this.#pending;
    if (failures === 0 && successes === 0) return;
    this.#pending = { failures: 0, successes: 0 };
    const { windowMs, minimumFailures, failureRateThreshold } = this.#options.thresholds;
    const now = Date.now();
    const args = [now, Math.max(1, Math.floor(windowMs / 12)), windowMs, failures, successes, minimumFailures, failureRateThreshold, ...this.#origin()];
    // Counts lost to a Redis failure stay in the local window, which still guards this replica.
    const reply = await this.#run((client, signal) => COUNT_OUTCOMES.run(client, signal, this.keys, args));
    if (reply !== undefined) this.apply(parseSharedState(reply));
  }

  announce(state: SharedBreakerState['state'], openedAt: number, reason: string): void {
    void this.#announce(state, openedAt, reason, reason === 'failures');
  }

  async acquireProbe(): Promise<ProbeSlot | 'busy' | undefined> {
    const [, , probeKey] = this.keys;
    const owner = this.#options.replicaId;
    // Redis known to be unusable (disconnected, its breaker open): this replica probes on its own.
    if (!this.#options.redis.usable) return undefined;
    const args = [owner, PROBE_SLOT_TTL_MS, Date.now(), this.#options.thresholds.halfOpenAfterMs];
    const reply = await this.#run((client, signal) => ACQUIRE_PROBE.run(client, signal, this.keys, args));
    // A command that failed or timed out may still have taken the slot (or a peer holds it):
    // probing locally now could make two probes; this call is refused like any other in half-open.
    if (reply !== 'OK') return 'busy';
    const renewal = setInterval(
      () => void this.#run((client, signal) => RENEW_PROBE.run(client, signal, [probeKey], [owner, PROBE_SLOT_TTL_MS])),
      PROBE_SLOT_RENEW_MS,
    );
    renewal.unref();
    return {
      settle: async (outcome: ProbeOutcome) => {
        clearInterval(renewal);
        const { successesToClose, halfOpenAfterMs } = this.#options.thresholds;
        const args = [outcome, Date.now(), successesToClose, halfOpenAfterMs, owner, ...this.#origin()];
        const settled = await this.#run((client, signal) => SETTLE_PROBE.run(client, signal, this.keys, args));
        if (settled === undefined) return undefined;
        const shared = parseSharedState(settled);
        this.#appliedVersion = Math.max(this.#appliedVersion, shared.version);
        return shared;
      },
    };
  }

  /** A peer's message or a snapshot: applied if newer than what this replica has seen. */
  apply(shared: SharedBreakerState): void {
    if (shared.version <= this.#appliedVersion) return;
    this.#appliedVersion = shared.version;
    this.#unannounced = false;
    this.#options.breaker.applyShared(shared);
  }

  /**
   * Reconciles with the fleet's record (the periodic safety net under pub/sub). A record older
   * than what this replica saw means Redis lost its data (a restart): this replica's state is
   * then the best there is, and so is a decision it could not announce while Redis was away.
   */
  reconcile(shared: SharedBreakerState): void {
    if (shared.version > this.#appliedVersion) return this.apply(shared);
    if (shared.version < this.#appliedVersion || this.#unannounced) {
      this.#appliedVersion = shared.version;
      const local = this.#options.breaker.state;
      const state = local === 'half_open' ? 'open' : local;
      if (state !== shared.state) void this.#announce(state, this.#options.breaker.openedAt, 'resync', false);
      else this.#unannounced = false;
    }
  }

  close(): void {
    clearTimeout(this.#flushTimer);
  }

  async #announce(state: SharedBreakerState['state'], openedAt: number, reason: string, onlyIfClosed: boolean): Promise<void> {
    const args = [state, openedAt, reason, onlyIfClosed ? '1' : '0', ...this.#origin()];
    const reply = await this.#run((client, signal) => ANNOUNCE.run(client, signal, this.keys, args));
    if (reply === undefined) {
      this.#unannounced = true;
      return;
    }
    const shared = parseSharedState(reply);
    // Our own decision, now the fleet's: record its version, and adopt the fleet's state if it differs.
    if (shared.state === state) this.#appliedVersion = Math.max(this.#appliedVersion, shared.version);
    else this.apply(shared);
  }

  #origin(): string[] {
    return [this.#options.channel, this.dependency, this.#options.replicaId];
  }

  #run<T>(command: RedisCommand<T>): Promise<T | undefined> {
    return this.#options.redis.attempt(SHARED_FEATURE.circuitBreakers, 'breakers', command);
  }
}
