/**
 * The circuit breaker of one dependency, as a cockatiel IPolicy. Cockatiel's own breaker makes
 * callers wait while half-open and admits several probes at once; ours rejects them at once and
 * admits one probe at a time, closing only after `successesToClose` good probes in a row.
 *
 *   closed ──(IBreaker says open)──▶ open ──(halfOpenAfterMs)──▶ half_open ──(N good probes)──▶ closed
 *                                     ▲                              │
 *                                     └────────(a probe fails)───────┘
 *   isolate() holds it open until reset().
 */
import { CircuitState, EventEmitter, type IBreaker, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
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

export interface CircuitBreakerOptions {
  dependency: string;
  /** Decides when the closed circuit opens (windowed counts). */
  breaker: IBreaker;
  /** Open this long before a probe is allowed (seed: 60 000 ms). */
  halfOpenAfterMs: number;
  /** Good probes in a row that close it (seed: 2). */
  successesToClose: number;
  /** Whether a failure counts against the dependency or is ignored (caller aborts, 4xx, 429). */
  countsAsFailure: (error: unknown, signal: AbortSignal) => boolean;
  /** Retry-After given while a probe is out or the circuit is isolated. */
  busyRetryAfterMs?: number;
}

export class CircuitBreaker extends PolicyBase implements IPolicy {
  readonly dependency: string;
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
  #probeSuccesses = 0;

  constructor(options: CircuitBreakerOptions) {
    super();
    this.dependency = options.dependency;
    this.#options = options;
  }

  get state(): BreakerState {
    // Half-open is also entered lazily, in case the timer has not run yet.
    if (this.#state === 'open' && this.msUntilHalfOpen() === 0) this.#transition('half_open', 'timer');
    return this.#state;
  }

  /** Time left before a probe is allowed; 0 unless open. */
  msUntilHalfOpen(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#openedAt + this.#options.halfOpenAfterMs - Date.now());
  }

  async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    switch (this.state) {
      case 'closed':
        return this.observe(() => this.#runClosed(fn, signal));
      case 'half_open':
        if (this.#probeInFlight) throw this.#reject('half_open', this.#options.busyRetryAfterMs ?? 1_000);
        return this.observe(() => this.#runProbe(fn, signal));
      case 'open':
        throw this.#reject('open', this.msUntilHalfOpen());
      case 'isolated':
        throw this.#reject('isolated', this.#options.busyRetryAfterMs ?? 1_000);
    }
  }

  /** A failure counted while closed; also for failures seen outside execute (a stream that broke after its first chunk). */
  recordFailure(): void {
    if (this.#options.breaker.failure(CircuitState.Closed) && this.#state === 'closed') this.#open('failures');
  }

  /** Close and forget the window: an admin reset, or proof the dependency is back (`reconnected`). */
  reset(reason = 'reset'): void {
    this.#probeInFlight = false;
    (this.#options.breaker as { clear?: () => void }).clear?.();
    this.#transition('closed', reason);
  }

  /** Admin: hold the circuit open until reset. */
  isolate(): void {
    this.#transition('isolated', 'isolate');
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
    };
  }

  async #runClosed<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal): Promise<T> {
    try {
      const value = await fn({ signal });
      this.#options.breaker.success(CircuitState.Closed);
      return value;
    } catch (error) {
      if (this.#options.countsAsFailure(error, signal)) this.recordFailure();
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

  #open(reason: string): void {
    this.#openedAt = Date.now();
    this.#transition('open', reason);
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
