/**
 * "Rate-limited until": once a dependency answers 429 (or 503 with Retry-After), no call of any
 * request reaches it before that time, first attempts included. A call that can wait within its
 * deadline waits; one that cannot is answered at once with the time left.
 */
import { EventEmitter, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { remainingMsOf } from './deadline.ts';
import { RateLimitedError } from './errors.ts';
import { PolicyBase } from './policy-base.ts';
import { sleep } from './sleep.ts';

/**
 * A call that would be left less than this after waiting is answered 429 at once: waiting only to
 * fail with a deadline error (504) tells the client less than the Retry-After it can have now.
 */
const MIN_CALL_MS = 50;

export interface RateLimitGateOptions {
  dependency: string;
  /** Used when a 429 carries no Retry-After (1 000 ms). */
  defaultRetryAfterMs: number;
  /** A Retry-After longer than this is capped, so one odd header cannot close the gate for hours (120 000 ms). */
  maxRetryAfterMs: number;
}

export interface GateClosure {
  dependency: string;
  until: number;
  status: 429 | 503;
  /** `local`: this replica's call was told to wait; `peer`: another replica's was (shared through Redis). */
  source: 'local' | 'peer';
}

export class RateLimitGate extends PolicyBase implements IPolicy {
  readonly #options: RateLimitGateOptions;
  readonly #closures = new EventEmitter<GateClosure>();
  readonly #rejections = new EventEmitter<RateLimitedError>();
  /** Fires when the gate closes or its closing time moves later. */
  readonly onClose = this.#closures.addListener;
  /** Fires for every call answered at once because it could not wait. */
  readonly onReject = this.#rejections.addListener;
  #closedUntil = 0;
  #status: 429 | 503 = 429;

  constructor(options: RateLimitGateOptions) {
    super();
    this.#options = options;
  }

  get closedUntil(): number {
    return this.#closedUntil;
  }

  /** Milliseconds before calls may pass again (0 when open). */
  remainingMs(): number {
    return Math.max(0, this.#closedUntil - Date.now());
  }

  /** Records the dependency's request to wait; `retryAfterMs` undefined means it gave none. */
  closeFor(retryAfterMs: number | undefined, status: 429 | 503 = 429): void {
    const waitMs = Math.min(retryAfterMs ?? this.#options.defaultRetryAfterMs, this.#options.maxRetryAfterMs);
    this.closeUntil(Date.now() + waitMs, status);
  }

  /** Also how a peer replica's closure is applied. */
  closeUntil(until: number, status: 429 | 503 = 429, source: GateClosure['source'] = 'local'): void {
    if (until <= this.#closedUntil) return;
    this.#closedUntil = until;
    this.#status = status;
    this.#closures.emit({ dependency: this.#options.dependency, until, status, source });
  }

  async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    // Checked again after every wait: another 429 (here or on a peer) may have moved the time on
    // while this call slept.
    for (let waitMs = this.remainingMs(); waitMs > 0; waitMs = this.remainingMs()) {
      if (waitMs + MIN_CALL_MS >= remainingMsOf(signal)) {
        const error = new RateLimitedError(this.#options.dependency, waitMs, this.#status);
        this.#rejections.emit(error);
        throw error;
      }
      await sleep(waitMs, signal);
    }
    return this.observe(() => fn({ signal }));
  }
}
