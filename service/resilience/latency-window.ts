/**
 * Latency over a sliding window, in a ring of HDR histograms (Node's perf_hooks): recording is
 * O(1) and percentiles are exact to two significant figures, with no sorted arrays.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Values are whole milliseconds from 1 ms to 10 minutes. */
const HISTOGRAM_RANGE = { lowest: 1, highest: 600_000, figures: 2 } as const;

export class LatencyWindow {
  readonly #sliceMs: number;
  readonly #slices: RecordableHistogram[];
  readonly #merged = createHistogram(HISTOGRAM_RANGE);
  #index = 0;
  #sliceStart = 0;

  /** `windowMs` split into `slices` parts; the oldest part falls out as time moves on. */
  constructor(options: { windowMs: number; slices: number }) {
    this.#sliceMs = Math.max(1, Math.floor(options.windowMs / options.slices));
    this.#slices = Array.from({ length: options.slices }, () => createHistogram(HISTOGRAM_RANGE));
  }

  record(ms: number): void {
    this.#rotate();
    this.#slices[this.#index]!.record(Math.min(HISTOGRAM_RANGE.highest, Math.max(1, Math.round(ms))));
  }

  /** Samples in the window and the given percentile (ms) over them. */
  summary(percentile: number): { count: number; valueMs: number } {
    this.#rotate();
    this.#merged.reset();
    for (const slice of this.#slices) if (slice.count > 0) this.#merged.add(slice);
    const count = this.#merged.count;
    return { count, valueMs: count === 0 ? 0 : this.#merged.percentile(percentile) };
  }

  #rotate(): void {
    const now = Date.now();
    const elapsed = Math.floor((now - this.#sliceStart) / this.#sliceMs);
    if (elapsed <= 0) return;
    for (let step = 1; step <= Math.min(elapsed, this.#slices.length); step++) {
      this.#slices[(this.#index + step) % this.#slices.length]!.reset();
    }
    this.#index = (this.#index + elapsed) % this.#slices.length;
    this.#sliceStart += elapsed * this.#sliceMs;
  }
}
