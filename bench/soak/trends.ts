/**
 * Is a resource series flat, or does it grow? Compared on steady-state samples only (outside
 * every fault window and its grace), so a latency window's extra upstream sockets or a Redis
 * outage's local stores do not pass for a trend; a leak that fault handling causes still shows,
 * since it stays after the window. The figure compares one minute's steady samples with the last
 * minute's, by their median (the heap after GC) or their floor (counts of file descriptors and
 * handles: each request in flight adds a socket and timers for a moment, a leak raises the floor);
 * a least-squares slope over the same span is reported beside it.
 */
import type { FaultWindow } from './soak-results.ts';

const MINUTE_MS = 60_000;

/** A value at a time (ms since the start). */
export interface Point {
  t: number;
  value: number;
}

/** Minute `m` (1-based) spans [(m − 1) min, m min). */
function inMinute(t: number, minute: number): boolean {
  return t >= (minute - 1) * MINUTE_MS && t < minute * MINUTE_MS;
}

/** The minute a trend is measured from: the 3rd (caches full by then), or the one before the last in shorter runs. */
export function baselineMinute(minutes: number): number {
  return Math.max(1, Math.min(3, minutes - 1));
}

/** True when `t` is outside every window and its grace. */
function isSteady(t: number, windows: readonly FaultWindow[], graceMs: number): boolean {
  return windows.every((window) => t < window.startMs || t > window.endMs + graceMs);
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Least-squares slope of value over time, per minute (undefined below two distinct times). */
function slopePerMinute(points: readonly Point[]): number | undefined {
  if (points.length < 2) return undefined;
  const meanT = points.reduce((sum, point) => sum + point.t, 0) / points.length;
  const meanV = points.reduce((sum, point) => sum + point.value, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const point of points) {
    covariance += (point.t - meanT) * (point.value - meanV);
    variance += (point.t - meanT) ** 2;
  }
  return variance === 0 ? undefined : (covariance / variance) * MINUTE_MS;
}

/** How a minute's steady samples are summed up: their median, or their floor (minimum). */
export type Statistic = 'median' | 'floor';

export interface Trend {
  fromMinute: number;
  toMinute: number;
  statistic: Statistic;
  /** The statistic of the steady samples in each of the two minutes. */
  from: number | undefined;
  to: number | undefined;
  /** `to − from`, and as % of `from`. */
  change: number | undefined;
  changePercent: number | undefined;
  /** Over the steady samples from the start of `fromMinute` to the end of `toMinute`. */
  slopePerMinute: number | undefined;
  /** Steady samples in the two minutes. */
  samples: [number, number];
}

/** The trend of `points` from `fromMinute` to `toMinute`, over the steady ones. */
export function trendOf(
  points: readonly Point[],
  options: { fromMinute: number; toMinute: number; windows: readonly FaultWindow[]; graceMs: number; statistic?: Statistic },
): Trend {
  const statistic = options.statistic ?? 'median';
  const summary = (values: number[]) => (statistic === 'median' ? median(values) : values.length > 0 ? Math.min(...values) : undefined);
  const steady = points.filter((point) => isSteady(point.t, options.windows, options.graceMs) && Number.isFinite(point.value));
  const values = (minute: number) => steady.filter((point) => inMinute(point.t, minute)).map((point) => point.value);
  const fromValues = values(options.fromMinute);
  const toValues = values(options.toMinute);
  const from = summary(fromValues);
  const to = summary(toValues);
  const span = steady.filter((point) => point.t >= (options.fromMinute - 1) * MINUTE_MS && point.t < options.toMinute * MINUTE_MS);
  const change = from === undefined || to === undefined ? undefined : to - from;
  return {
    fromMinute: options.fromMinute,
    toMinute: options.toMinute,
    statistic,
    from,
    to,
    change,
    changePercent: change === undefined || !from ? undefined : (100 * change) / from,
    slopePerMinute: slopePerMinute(span),
    samples: [fromValues.length, toValues.length],
  };
}
