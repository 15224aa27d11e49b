/**
 * A request's deadline: one AbortSignal that fires when the time is up or the caller goes away.
 * It is the outermost policy: every dependency call takes its signal and never outlives it.
 */
import { raceSignal } from './race-signal.ts';

/** The deadline ran out. */
export class DeadlineExceededError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`Deadline of ${timeoutMs} ms exceeded`);
    this.name = 'DeadlineExceededError';
    this.timeoutMs = timeoutMs;
  }
}

/** The caller went away before an answer was ready (a closed socket). */
export class ClientClosedRequestError extends Error {
  constructor() {
    super('Client closed the request');
    this.name = 'ClientClosedRequestError';
  }
}

export class Deadline {
  readonly timeoutMs: number;
  readonly expiresAt: number;
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Starts the clock at once. */
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.expiresAt = Date.now() + timeoutMs;
    this.signal = this.#controller.signal;
    this.#timer = setTimeout(() => this.#abort(new DeadlineExceededError(timeoutMs)), timeoutMs);
  }

  /** Time left in ms: 0 once aborted, unbounded once released. */
  remainingMs(): number {
    if (this.signal.aborted) return 0;
    if (this.#timer === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.expiresAt - Date.now());
  }

  /**
   * Stops the clock but keeps the signal: a response that is already streaming is governed by its
   * own idle and duration limits from here on, and still ends when the client goes away.
   */
  release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The caller has gone: abort everything still working for it. */
  clientClosed(): void {
    this.#abort(new ClientClosedRequestError());
  }

  /** Settles like `work`, or rejects with the abort reason as soon as the deadline fires. */
  race<T>(work: Promise<T>): Promise<T> {
    return raceSignal(work, this.signal);
  }

  #abort(reason: Error): void {
    this.release();
    if (!this.signal.aborted) this.#controller.abort(reason);
  }
}
