/**
 * A request's deadline: one AbortSignal that fires when the time is up or the caller goes away.
 * It is the outermost policy: every dependency call takes its signal and never outlives it.
 */

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

/** Expiry times of live deadlines, by signal: policies deeper in a pipeline only receive the signal. */
const expiryBySignal = new WeakMap<AbortSignal, number>();

/** Milliseconds left before the deadline behind `signal` fires; unbounded for a signal without one. */
export function remainingMsOf(signal: AbortSignal): number {
  if (signal.aborted) return 0;
  const expiresAt = expiryBySignal.get(signal);
  return expiresAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, expiresAt - Date.now());
}

/**
 * A signal that aborts with its parent or on `cancel`, and keeps the parent's deadline, so
 * policies downstream still know how long they have (used to cancel sibling batches).
 */
export function childSignal(parent: AbortSignal): { signal: AbortSignal; cancel(reason?: unknown): void } {
  const controller = new AbortController();
  const signal = AbortSignal.any([parent, controller.signal]);
  const expiresAt = expiryBySignal.get(parent);
  if (expiresAt !== undefined) expiryBySignal.set(signal, expiresAt);
  return { signal, cancel: (reason) => controller.abort(reason) };
}

export class Deadline {
  readonly timeoutMs: number;
  readonly expiresAt: number;
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Rejecters of the races in progress: told directly, with no listener on the signal. */
  readonly #racers: Array<(reason: unknown) => void> = [];

  /** Starts the clock at once. */
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.expiresAt = Date.now() + timeoutMs;
    this.signal = this.#controller.signal;
    this.#timer = setTimeout(() => this.#abort(new DeadlineExceededError(timeoutMs)), timeoutMs);
    expiryBySignal.set(this.signal, this.expiresAt);
  }

  /** Time left in ms: 0 once aborted, unbounded once released. */
  remainingMs(): number {
    return remainingMsOf(this.signal);
  }

  /**
   * Stops the clock but keeps the signal: a response that is already streaming is governed by its
   * own idle and duration limits from here on, and still ends when the client goes away.
   */
  release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    expiryBySignal.delete(this.signal);
  }

  /** The caller has gone: abort everything still working for it. */
  clientClosed(): void {
    this.#abort(new ClientClosedRequestError());
  }

  /** Settles like `work`, or rejects with the abort reason as soon as the deadline fires. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    return new Promise<T>((resolve, reject) => {
      this.#racers.push(reject);
      const settled = () => this.#racers.splice(this.#racers.indexOf(reject), 1);
      work.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error: unknown) => {
          settled();
          reject(error);
        },
      );
    });
  }

  #abort(reason: Error): void {
    this.release();
    if (this.signal.aborted) return;
    this.#controller.abort(reason);
    for (const reject of this.#racers.splice(0)) reject(reason);
  }
}

/**
 * Runs `work` with a signal that keeps `signal`'s deadline but not its caller: for a call shared
 * by several requests (a cache's single flight), which must not fail them all when the first
 * caller goes away. Unbounded deadlines stay unbounded.
 */
export async function withDetachedDeadline<T>(signal: AbortSignal, work: (detached: AbortSignal) => Promise<T>): Promise<T> {
  const remaining = remainingMsOf(signal);
  if (!Number.isFinite(remaining)) return work(new AbortController().signal);
  const deadline = new Deadline(remaining);
  try {
    return await work(deadline.signal);
  } finally {
    deadline.release();
  }
}
