/**
 * The innermost policy: cuts one attempt at its adaptive timeout (cockatiel's timeout is fixed).
 * Per model, since models differ in latency by an order of magnitude; never beyond the caller's
 * remaining deadline, and when the deadline is nearer, the deadline alone governs (so its expiry
 * is a cancellation, not a dependency failure). The timeout used is passed down as `timeoutMs`.
 */
import type { IDefaultPolicyContext, IPolicy } from 'cockatiel';
import { AdaptiveTimeoutTracker, type AdaptiveTimeoutOptions } from './adaptive-timeout-tracker.ts';
import { remainingMsOf } from './deadline.ts';
import { AttemptTimeoutError } from './errors.ts';
import { PolicyBase } from './policy-base.ts';

export interface AttemptContext extends IDefaultPolicyContext {
  /** The timeout this attempt runs under (ms). */
  timeoutMs: number;
}

/** Keys beyond this many share one tracker: model names come from clients. */
const MAX_KEYS = 64;
export const OVERFLOW_KEY = '_other';

export class AdaptiveTimeout {
  readonly #options: AdaptiveTimeoutOptions;
  readonly #policies = new Map<string, AdaptiveTimeoutPolicy>();

  constructor(options: AdaptiveTimeoutOptions) {
    this.#options = options;
  }

  /** The policy (and tracker) for one key, usually the model. */
  forKey(key: string): AdaptiveTimeoutPolicy {
    let policy = this.#policies.get(key);
    if (!policy) {
      if (this.#policies.size >= MAX_KEYS && key !== OVERFLOW_KEY) return this.forKey(OVERFLOW_KEY);
      policy = new AdaptiveTimeoutPolicy(key, new AdaptiveTimeoutTracker(this.#options));
      this.#policies.set(key, policy);
    }
    return policy;
  }

  /** Every key's current timeout and P95, for gauges. */
  entries(): Array<[string, AdaptiveTimeoutPolicy]> {
    return [...this.#policies.entries()];
  }
}

export class AdaptiveTimeoutPolicy extends PolicyBase implements IPolicy<AttemptContext> {
  readonly key: string;
  readonly tracker: AdaptiveTimeoutTracker;

  constructor(key: string, tracker: AdaptiveTimeoutTracker) {
    super();
    this.key = key;
    this.tracker = tracker;
  }

  async execute<T>(fn: (context: AttemptContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    const { timeoutMs } = this.tracker.current();
    const remaining = remainingMsOf(signal);
    const started = performance.now();
    if (remaining <= timeoutMs) {
      const value = await this.observe(() => fn({ signal, timeoutMs: remaining }));
      this.tracker.recordSuccess(performance.now() - started);
      return value;
    }
    // One controller, one timer and one listener per attempt, linked by hand, and one promise
    // that settles with the attempt or with the cut: AbortSignal.any and Promise.race cost more
    // than the rest of the pipeline together (bench/profile-notes.md).
    const attempt = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onCallerAbort: (() => void) | undefined;
    try {
      const value = await this.observe(
        () =>
          new Promise<T>((resolve, reject) => {
            const stop = (reason: unknown) => {
              attempt.abort(reason);
              reject(reason);
            };
            onCallerAbort = () => stop(signal.reason);
            if (signal.aborted) return onCallerAbort();
            timer = setTimeout(() => stop(new AttemptTimeoutError(timeoutMs)), timeoutMs);
            signal.addEventListener('abort', onCallerAbort, { once: true });
            Promise.resolve(fn({ signal: attempt.signal, timeoutMs })).then(resolve, reject);
          }),
      );
      this.tracker.recordSuccess(performance.now() - started);
      return value;
    } catch (error) {
      if (attempt.signal.aborted && !signal.aborted) {
        this.tracker.recordTimeout(timeoutMs);
        throw attempt.signal.reason;
      }
      throw error;
    } finally {
      clearTimeout(timer);
      if (onCallerAbort) signal.removeEventListener('abort', onCallerAbort);
    }
  }
}
