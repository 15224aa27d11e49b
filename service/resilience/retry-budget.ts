/**
 * Caps retries at a share of a dependency's calls over a sliding window, plus a small floor so a
 * quiet dependency can still retry. During a full outage this is what holds upstream attempts per
 * client request near 1 + ratio, even with the breaker disabled (Finagle's RetryBudget idea).
 */
import { SlidingWindow } from './sliding-window.ts';

export interface RetryBudgetOptions {
  /** Retries allowed per call in the window (0.2: retries add at most 20 % to the calls). */
  ratio: number;
  /** Retries per second always allowed, however few the calls (3/s). */
  minRetriesPerSecond: number;
  /** Sliding window length in ms, kept in one-second buckets. */
  windowMs: number;
}

export class RetryBudget {
  readonly #options: RetryBudgetOptions;
  readonly #window: SlidingWindow<'calls' | 'retries'>;

  constructor(options: RetryBudgetOptions) {
    this.#options = options;
    this.#window = new SlidingWindow({ windowMs: options.windowMs, bucketMs: 1_000, keys: ['calls', 'retries'] });
  }

  /** Counts a first attempt. */
  recordCall(): void {
    this.#window.add('calls');
  }

  /** Takes one retry from the budget, or says no. */
  tryAcquireRetry(): boolean {
    const floor = (this.#options.minRetriesPerSecond * this.#options.windowMs) / 1000;
    const allowed = this.#options.ratio * this.#window.total('calls') + floor;
    if (this.#window.total('retries') + 1 > allowed) return false;
    this.#window.add('retries');
    return true;
  }
}
