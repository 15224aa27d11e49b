/**
 * Decides when a closed circuit opens: within the window there must be at least `minimumFailures`
 * failures AND a failure rate of at least `failureRateThreshold`, so a busy dependency is not
 * tripped by a handful of errors and a quiet one is not tripped by one bad call in two. Beside
 * that rule, `consecutiveFailures` in a row open it at once: in a sudden total outage the window
 * is still full of earlier successes, and the rate rule alone would keep sending traffic to a
 * dead dependency for seconds.
 * A cockatiel IBreaker, so it could also drive cockatiel's own CircuitBreakerPolicy.
 */
import { CircuitState, type IBreaker } from 'cockatiel';
import { SlidingWindow } from './sliding-window.ts';

export interface CountAndRateBreakerOptions {
  /** Failures needed in the window before the rate matters. */
  minimumFailures: number;
  /** Failure share of counted attempts that opens the circuit, 0..1 (0.5). */
  failureRateThreshold: number;
  /** The window the counts cover, in ms. */
  windowMs: number;
  /** Failures in a row (no success between) that open the circuit whatever the window says; 0 or omitted: off. */
  consecutiveFailures?: number;
}

export class CountAndRateBreaker implements IBreaker {
  readonly #options: CountAndRateBreakerOptions;
  readonly #window: SlidingWindow<'failures' | 'successes'>;
  #inARow = 0;

  constructor(options: CountAndRateBreakerOptions) {
    this.#options = options;
    // Twelve buckets: the window slides in steps of a twelfth of its length.
    this.#window = new SlidingWindow({ windowMs: options.windowMs, bucketMs: Math.max(1, options.windowMs / 12), keys: ['failures', 'successes'] });
  }

  get state(): { failures: number; successes: number } {
    return this.counts();
  }

  set state(_value: unknown) {
    // Counts are not restored from snapshots: a restarted replica starts a fresh window.
  }

  counts(): { failures: number; successes: number } {
    return { failures: this.#window.total('failures'), successes: this.#window.total('successes') };
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) this.#window.clear();
    this.#inARow = 0;
    this.#window.add('successes');
  }

  /** `inARow` false: counted in the window but neither extends nor ends the run (an attempt timeout, see CircuitBreakerOptions.countsInARow). */
  failure(state: CircuitState, inARow = true): boolean {
    this.#window.add('failures');
    if (inARow) this.#inARow += 1;
    if (state !== CircuitState.Closed) return true;
    const consecutive = this.#options.consecutiveFailures ?? 0;
    if (consecutive > 0 && this.#inARow >= consecutive) return true;
    const { failures, successes } = this.counts();
    return failures >= this.#options.minimumFailures && failures / (failures + successes) >= this.#options.failureRateThreshold;
  }

  /** Forgets the window, as on a manual reset. */
  clear(): void {
    this.#inARow = 0;
    this.#window.clear();
  }
}
