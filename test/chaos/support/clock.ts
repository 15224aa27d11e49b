/**
 * One clock for the whole chaos harness: epoch milliseconds with sub-millisecond precision, so
 * times taken by the load driver, the tap and the sampler compare directly, the scenarios' pacing,
 * and the small statistics every scenario needs.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Epoch milliseconds, fractional. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Scenario pacing: the load runs on, unchanged, until the epoch time `at` (ms). Only for a phase
 * whose length is part of the scenario (a healthy lead-in, an outage, a measured window, a tail
 * after recovery); waiting for a state (a breaker open, a replica ready) is waitFor's job.
 */
export async function holdUntil(at: number): Promise<void> {
  await delay(Math.max(0, at - nowMs()));
}

/** holdUntil, `ms` from now. */
export function holdFor(ms: number): Promise<void> {
  return holdUntil(nowMs() + ms);
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
