/**
 * One clock for the whole chaos harness: epoch milliseconds with sub-millisecond precision, so
 * times taken by the load driver, the tap and the sampler compare directly, plus the small
 * statistics every scenario needs.
 */

/** Epoch milliseconds, fractional. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Sleeps until the epoch time `at` (ms). */
export function sleepUntil(at: number): Promise<void> {
  return sleep(at - nowMs());
}

/** The p-th percentile (0–100, nearest rank) of `values`; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Rounds for reports: 1 decimal under 100, whole numbers above. */
export function round(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return value;
  return Math.abs(value) < 100 ? Math.round(value * 10) / 10 : Math.round(value);
}
