/**
 * Counters over a sliding time window, kept in a ring of fixed buckets: adding and reading are
 * O(1) amortised, memory is fixed, and old counts fall out as the clock moves (Date.now, so fake
 * timers drive it in tests).
 */
export class SlidingWindow<Key extends string> {
  readonly #bucketMs: number;
  readonly #buckets: Array<Record<Key, number>>;
  readonly #totals: Record<Key, number>;
  readonly #keys: readonly Key[];
  #index = 0;
  #bucketStart = 0;

  /** `windowMs` is rounded up to whole buckets of `bucketMs`. */
  constructor(options: { windowMs: number; bucketMs: number; keys: readonly Key[] }) {
    this.#bucketMs = options.bucketMs;
    this.#keys = options.keys;
    const count = Math.max(1, Math.ceil(options.windowMs / options.bucketMs));
    this.#buckets = Array.from({ length: count }, () => this.#zeros());
    this.#totals = this.#zeros();
  }

  add(key: Key, amount = 1): void {
    this.#rotate();
    this.#buckets[this.#index]![key] += amount;
    this.#totals[key] += amount;
  }

  total(key: Key): number {
    this.#rotate();
    return this.#totals[key];
  }

  clear(): void {
    for (const bucket of this.#buckets) for (const key of this.#keys) bucket[key] = 0;
    for (const key of this.#keys) this.#totals[key] = 0;
  }

  #rotate(): void {
    const now = Date.now();
    const elapsed = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (elapsed <= 0) return;
    const expired = Math.min(elapsed, this.#buckets.length);
    for (let step = 1; step <= expired; step++) {
      const bucket = this.#buckets[(this.#index + step) % this.#buckets.length]!;
      for (const key of this.#keys) {
        this.#totals[key] -= bucket[key];
        bucket[key] = 0;
      }
    }
    this.#index = (this.#index + elapsed) % this.#buckets.length;
    this.#bucketStart += elapsed * this.#bucketMs;
  }

  #zeros(): Record<Key, number> {
    return Object.fromEntries(this.#keys.map((key) => [key, 0])) as Record<Key, number>;
  }
}
