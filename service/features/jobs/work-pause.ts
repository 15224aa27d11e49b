/**
 * When background work (a batch chunk, an import) holds off after a call met "not now": an outage
 * (a breaker open, a rate limit, a quota) pauses it from 1 s doubling to 15 s; a busy bulkhead
 * (background yielding to interactive calls) only from 50 ms doubling to 1 s. Refusals that come
 * in while a pause runs do not lengthen it; any success resets both.
 */

const OUTAGE_MS = { first: 1_000, max: 15_000 };
const YIELD_MS = { first: 50, max: 1_000 };

export class WorkPause {
  readonly #outage: { first: number; max: number };
  #outageMs = 0;
  #yieldMs = 0;
  #until = 0;

  /** `outage`: the outage pause's first and longest wait (tests shorten it). */
  constructor(outage = OUTAGE_MS) {
    this.#outage = outage;
  }

  /** Epoch ms until which no new work starts (0 or past: none). */
  get until(): number {
    return this.#until;
  }

  paused(now = Date.now()): boolean {
    return now < this.#until;
  }

  /** A call met "not now": `outage` for the long pause, `yield` for the short one. */
  refused(kind: 'outage' | 'yield'): void {
    const now = Date.now();
    if (now < this.#until) return;
    const doubled = (current: number, limits: { first: number; max: number }) => Math.min(limits.max, current === 0 ? limits.first : current * 2);
    if (kind === 'yield') this.#yieldMs = doubled(this.#yieldMs, YIELD_MS);
    else this.#outageMs = doubled(this.#outageMs, this.#outage);
    this.#until = now + (kind === 'yield' ? this.#yieldMs : this.#outageMs);
  }

  succeeded(): void {
    this.#outageMs = 0;
    this.#yieldMs = 0;
  }
}
