/**
 * The adaptive timeout of one (dependency, operation, model): clamp(multiplier × live P95 of
 * successful attempts, floor, ceiling), a static default until enough samples. A timeout is
 * recorded as a sample at the timeout value (censored), and after a few timeouts in a row the
 * timeout escalates toward the ceiling, so a latency step above the current timeout is followed
 * instead of turning into a wall of timeouts that opens the breaker.
 */
import { LatencyWindow } from './latency-window.ts';

export interface AdaptiveTimeoutOptions {
  /** Timeout = multiplier × P95. */
  multiplier: number;
  /** Never below this (ms). */
  floorMs: number;
  /** Never above this (ms). */
  ceilingMs: number;
  /** Used until `minSamples` successes are in the window (ms). */
  defaultMs: number;
  /** The P95 covers this much recent time (ms); shorter follows shifts faster. */
  windowMs: number;
  /** Successful samples needed before the P95 is trusted. */
  minSamples: number;
  /** Timeouts in a row that trigger escalation. */
  escalateAfterTimeouts: number;
  /** Each escalation multiplies the timeout used by this, up to the ceiling. */
  escalationFactor: number;
}

/** The P95 is recomputed at most this often: merging histograms is cheap, not free. */
const RECOMPUTE_EVERY_MS = 200;

export class AdaptiveTimeoutTracker {
  readonly #options: AdaptiveTimeoutOptions;
  readonly #window: LatencyWindow;
  #consecutiveTimeouts = 0;
  #escalatedMs = 0;
  #escalatedAt = 0;
  #cachedAt = Number.NEGATIVE_INFINITY;
  #cached = { timeoutMs: 0, p95Ms: 0, samples: 0 };

  constructor(options: AdaptiveTimeoutOptions) {
    this.#options = options;
    this.#window = new LatencyWindow({ windowMs: options.windowMs, slices: 6 });
  }

  /** The most the timeout may grow to; a timeout held here means calls are being cut by it. */
  get ceilingMs(): number {
    return this.#options.ceilingMs;
  }

  /** False for a ceiling-only timeout (floor = ceiling): it sits at its ceiling by design. */
  get adapts(): boolean {
    return this.#options.floorMs < this.#options.ceilingMs;
  }

  /** The timeout for the next attempt, and the P95 it came from (0 before enough samples). */
  current(): { timeoutMs: number; p95Ms: number; samples: number } {
    const now = Date.now();
    if (now - this.#cachedAt >= RECOMPUTE_EVERY_MS) {
      const { count, valueMs } = this.#window.summary(95);
      const { multiplier, floorMs, ceilingMs, defaultMs, minSamples } = this.#options;
      const fromP95 = count >= minSamples ? clamp(multiplier * valueMs, floorMs, ceilingMs) : defaultMs;
      this.#cached = { timeoutMs: fromP95, p95Ms: count >= minSamples ? valueMs : 0, samples: count };
      this.#cachedAt = now;
    }
    // An escalation holds for one window, while the new latency fills the histogram.
    const escalation = now - this.#escalatedAt < this.#options.windowMs ? this.#escalatedMs : 0;
    return escalation > this.#cached.timeoutMs ? { ...this.#cached, timeoutMs: escalation } : this.#cached;
  }

  recordSuccess(durationMs: number): void {
    this.#window.record(durationMs);
    this.#consecutiveTimeouts = 0;
  }

  /** A censored sample: the attempt took at least `timeoutMs`. */
  recordTimeout(timeoutMs: number): void {
    this.#window.record(timeoutMs);
    this.#consecutiveTimeouts += 1;
    if (this.#consecutiveTimeouts >= this.#options.escalateAfterTimeouts) {
      // Never lower a fresh escalation: attempts started under an older, shorter timeout keep
      // timing out after the escalation and must not pull it back down.
      const now = Date.now();
      const fresh = now - this.#escalatedAt < this.#options.windowMs ? this.#escalatedMs : 0;
      this.#escalatedMs = Math.max(fresh, Math.min(this.#options.ceilingMs, timeoutMs * this.#options.escalationFactor));
      this.#escalatedAt = now;
      this.#consecutiveTimeouts = 0;
      this.#cachedAt = Number.NEGATIVE_INFINITY;
    }
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
