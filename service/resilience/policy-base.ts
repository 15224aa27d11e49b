/**
 * The shared half of our cockatiel policies: the `onSuccess`/`onFailure` events every IPolicy
 * has, timed only when someone listens (as cockatiel's own ExecuteWrapper does).
 */
import { EventEmitter, type IFailureEvent, type ISuccessEvent } from 'cockatiel';

export abstract class PolicyBase {
  /** Virtual property of cockatiel's IPolicy, for its types only. */
  declare readonly _altReturn: never;
  readonly #successes = new EventEmitter<ISuccessEvent>();
  readonly #failures = new EventEmitter<IFailureEvent>();
  readonly onSuccess = this.#successes.addListener;
  readonly onFailure = this.#failures.addListener;

  /** Runs `work`, emitting success or failure with its duration; rethrows failures. */
  protected async observe<T>(work: () => PromiseLike<T> | T): Promise<T> {
    if (this.#successes.size === 0 && this.#failures.size === 0) return work();
    const started = performance.now();
    try {
      const value = await work();
      this.#successes.emit({ duration: performance.now() - started });
      return value;
    } catch (error) {
      this.#failures.emit({ duration: performance.now() - started, handled: true, reason: { error } });
      throw error;
    }
  }
}
