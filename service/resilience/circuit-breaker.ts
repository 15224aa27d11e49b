/**
 * The circuit breaker of one dependency, as a cockatiel IPolicy. Cockatiel's own breaker makes
 * callers wait while half-open and admits several probes at once; ours rejects them at once and
 * admits one probe at a time, closing only after `successesToClose` good probes in a row.
 *
 *   closed ──(IBreaker says open)──▶ open ──(halfOpenAfterMs)──▶ half_open ──(N good probes)──▶ closed
 *                                     ▲                              │
 *                                     └────────(a probe fails)───────┘
 *   isolate() holds it open until reset().
 *
 * With a fleet link (Redis-shared state), counts also go to the fleet, which may open the circuit
 * on the replicas' combined counts; a half-open probe needs the fleet's single probe slot; and the
 * fleet's state is applied here with `applyShared`. Rejecting stays local and synchronous.
 */
import { CircuitState, EventEmitter, type IBreaker, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import type { BreakerFleetLink, ProbeOutcome, ProbeSlot, SharedBreakerState } from './breaker-fleet.ts';
import { OpenCircuitError } from './errors.ts';
import { PolicyBase } from './policy-base.ts';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open', 'isolated'];

export interface BreakerTransition {
  dependency: string;
  from: BreakerState;
  to: BreakerState;
  /** `failures`, `timer`, `probe_succeeded`, `probe_failed`, `reset`, `isolate`, or a peer's word. */
  reason: string;
}

/** A cockatiel IBreaker that may also be told whether a failure extends a run of failures in a row. */
interface RunAwareBreaker extends IBreaker {
  failure(state: CircuitState, inARow?: boolean): boolean;
}

export interface CircuitBreakerOptions {
  dependency: string;
  /** What the fleet and operators call it (`llm/openai`); default: the dependency. */
  name?: string;
  /** Decides when the closed circuit opens (windowed counts). */
  breaker: RunAwareBreaker;
  /** Open this long before a probe is allowed, in ms. */
  halfOpenAfterMs: number;
  /** Good probes in a row that close it. */
  successesToClose: number;
  /** Whether a failure counts against the dependency or is ignored (caller aborts, 4xx, 429). */
  countsAsFailure: (error: unknown, signal: AbortSignal) => boolean;
  /**
   * Whether a counted failure extends a run of failures in a row (the IBreaker's consecutive
   * trip); default: all do. Attempt timeouts do not: a run of them is also what a sudden latency
   * step looks like, which the adaptive timeout answers by escalating; the rate rule still counts them.
   */
  countsInARow?: (error: unknown) => boolean;
  /** Retry-After given while a probe is out or the circuit is isolated. */
  busyRetryAfterMs?: number;
}

export class CircuitBreaker extends PolicyBase implements IPolicy {
  readonly dependency: string;
  readonly name: string;
  readonly #options: CircuitBreakerOptions;
  readonly #transitions = new EventEmitter<BreakerTransition>();
  readonly #rejections = new EventEmitter<OpenCircuitError>();
  /** Fires on every state change. */
  readonly onStateChange = this.#transitions.addListener;
  /** Fires on every call refused without trying. */
  readonly onReject = this.#rejections.addListener;
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #halfOpenTimer: ReturnType<typeof setTimeout> | undefined;
  #probeInFlight = false;
  /** Until then another replica holds the fleet's probe slot, as far as this one last heard. */
  #probeElsewhereUntil = 0;
  #probeSuccesses = 0;
  #fleet: BreakerFleetLink | undefined;
  readonly #busyRetryAfterMs: number;

  constructor(options: CircuitBreakerOptions) {
    super();
    this.dependency = options.dependency;
    this.name = options.name ?? options.dependency;
    this.#options = options;
    this.#busyRetryAfterMs = options.busyRetryAfterMs ?? 1_000;
  }

  get state(): BreakerState {
    // Half-open is also entered lazily, in case the timer has not run yet.
    if (this.#state === 'open' && this.msUntilHalfOpen() === 0) this.#transition('half_open', 'timer');
    return this.#state;
  }

  /** When the circuit last opened (ms since the epoch); 0 if never. */
  get openedAt(): number {
    return this.#openedAt;
  }

  /** Time left before a probe is allowed; 0 unless open. */
  msUntilHalfOpen(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#openedAt + this.#options.halfOpenAfterMs - Date.now());
  }

  /** Joins a fleet: from now on counts, decisions and probes are shared. */
  attachFleet(link: BreakerFleetLink): void {
    this.#fleet = link;
  }

  /** Applies the fleet's state (a peer's decision, or a snapshot) without announcing it back. */
  applyShared(shared: SharedBreakerState, reason = 'peer'): void {
    if (shared.state === 'closed') {
      if (this.#state !== 'closed') this.#close(reason);
      return;
    }
    if (shared.state === 'isolated') {
      this.#transition('isolated', reason);
      return;
    }
    // Re-arms the half-open timer for the fleet's opening time, even when already open here.
    this.#openedAt = shared.openedAt;
    this.#transition('open', reason);
  }

  async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    switch (this.state) {
      case 'closed':
        return this.observe(() => this.#runClosed(fn, signal));
      case 'half_open':
        if (this.#probeInFlight) throw this.#reject('half_open', this.#busyRetryAfterMs);
        if (this.#fleet) return this.observe(() => this.#runFleetProbe(this.#fleet!, fn, signal));
        return this.observe(() => this.#runProbe(fn, signal));
      case 'open':
        throw this.#reject('open', this.msUntilHalfOpen());
      case 'isolated':
        throw this.#reject('isolated', this.#busyRetryAfterMs);
    }
  }

  /** A failure counted while closed; also for failures seen outside execute (a stream that broke after its first chunk). */
  recordFailure(error?: unknown): void {
    this.#fleet?.count('failure');
    const inARow = error === undefined || (this.#options.countsInARow?.(error) ?? true);
    if (this.#options.breaker.failure(CircuitState.Closed, inARow) && this.#state === 'closed') this.#open('failures');
  }

  /** Close and forget the window: an admin reset (for the whole fleet), or proof the dependency is back. */
  reset(reason = 'reset'): void {
    this.#close(reason);
    this.#fleet?.announce('closed', 0, reason);
  }

  /** Admin: hold the circuit open until reset (for the whole fleet). */
  isolate(): void {
    this.#transition('isolated', 'isolate');
    this.#fleet?.announce('isolated', Date.now(), 'isolate');
  }

  /** For health and admin output. */
  snapshot() {
    const window = this.#options.breaker.state as { failures?: number; successes?: number } | undefined;
    const failures = window?.failures ?? 0;
    const successes = window?.successes ?? 0;
    return {
      state: this.state,
      failures,
      successes,
      failure_rate: failures + successes === 0 ? 0 : Math.round((failures / (failures + successes)) * 1000) / 1000,
      opened_at: this.#state === 'open' || this.#state === 'half_open' ? new Date(this.#openedAt).toISOString() : null,
      half_open_in_ms: Math.round(this.msUntilHalfOpen()),
      /** Whether state, counts and the probe are the fleet's (Redis) rather than this replica's. */
      shared: this.#fleet !== undefined,
      probe: this.#probeWhere(),
    };
  }

  /** While half-open: where the one probe is, as this replica knows it; null otherwise. */
  #probeWhere(): 'this_replica' | 'another_replica' | 'next_call' | null {
    if (this.#state !== 'half_open') return null;
    if (this.#probeInFlight) return 'this_replica';
    return Date.now() < this.#probeElsewhereUntil ? 'another_replica' : 'next_call';
  }

  async #runClosed<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    try {
      const value = await fn({ signal });
      this.#options.breaker.success(CircuitState.Closed);
      this.#fleet?.count('success');
      return value;
    } catch (error) {
      if (this.#options.countsAsFailure(error, signal)) this.recordFailure(error);
      throw error;
    }
  }

  async #runProbe<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    this.#probeInFlight = true;
    try {
      const value = await fn({ signal });
      if (this.#state === 'half_open') {
        this.#probeSuccesses += 1;
        if (this.#probeSuccesses >= this.#options.successesToClose) {
          this.#options.breaker.success(CircuitState.HalfOpen);
          this.#transition('closed', 'probe_succeeded');
        }
      }
      return value;
    } catch (error) {
      if (this.#state === 'half_open' && this.#options.countsAsFailure(error, signal)) this.#open('probe_failed');
      throw error;
    } finally {
      this.#probeInFlight = false;
    }
  }

  /**
   * A probe under the fleet's single slot. Its outcome goes to the fleet, which decides (N good
   * probes in a row close it everywhere); the local rules apply only if the fleet is unreachable.
   * The response is not held back for that report: the slot stays ours until it is done.
   */
  async #runFleetProbe<T>(fleet: BreakerFleetLink, fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    this.#probeInFlight = true;
    let slot: ProbeSlot | 'busy' | undefined;
    try {
      slot = await fleet.acquireProbe();
    } finally {
      if (slot === 'busy') this.#probeInFlight = false;
    }
    if (slot === 'busy') {
      this.#probeElsewhereUntil = Date.now() + this.#busyRetryAfterMs;
      throw this.#reject('half_open', this.#busyRetryAfterMs);
    }
    if (slot === undefined) {
      this.#probeInFlight = false;
      return this.#runProbe(fn, signal);
    }
    const fleetSlot = slot;
    let outcome: ProbeOutcome = 'neutral';
    try {
      const value = await fn({ signal });
      outcome = 'success';
      return value;
    } catch (error) {
      if (this.#options.countsAsFailure(error, signal)) outcome = 'failure';
      throw error;
    } finally {
      void this.#settleFleetProbe(fleetSlot, outcome);
    }
  }

  async #settleFleetProbe(slot: ProbeSlot, outcome: ProbeOutcome): Promise<void> {
    const shared = await slot.settle(outcome).catch(() => undefined);
    this.#probeInFlight = false;
    if (shared) return this.applyShared(shared, outcome === 'success' ? 'probe_succeeded' : outcome === 'failure' ? 'probe_failed' : 'peer');
    if (this.#state !== 'half_open') return;
    // The fleet could not be told: decide on this replica's own probes.
    if (outcome === 'failure') this.#open('probe_failed');
    if (outcome === 'success' && ++this.#probeSuccesses >= this.#options.successesToClose) this.#transition('closed', 'probe_succeeded');
  }

  /** Closed, with the window forgotten and any probe slot freed. */
  #close(reason: string): void {
    this.#probeInFlight = false;
    (this.#options.breaker as { clear?: () => void }).clear?.();
    this.#transition('closed', reason);
  }

  #open(reason: string): void {
    this.#openedAt = Date.now();
    this.#transition('open', reason);
    this.#fleet?.announce('open', this.#openedAt, reason);
  }

  #reject(state: OpenCircuitError['state'], retryAfterMs: number): OpenCircuitError {
    const error = new OpenCircuitError(this.dependency, state, retryAfterMs);
    this.#rejections.emit(error);
    return error;
  }

  #transition(to: BreakerState, reason: string): void {
    clearTimeout(this.#halfOpenTimer);
    this.#halfOpenTimer = undefined;
    const from = this.#state;
    this.#state = to;
    if (to === 'half_open') this.#probeSuccesses = 0;
    if (to === 'open') {
      // Flip to half-open on time even without traffic, so gauges and peers see it.
      this.#halfOpenTimer = setTimeout(() => {
        if (this.#state === 'open') this.#transition('half_open', 'timer');
      }, this.msUntilHalfOpen());
      this.#halfOpenTimer.unref?.();
    }
    if (from !== to) this.#transitions.emit({ dependency: this.dependency, from, to, reason });
  }
}
