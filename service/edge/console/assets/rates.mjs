/**
 * Turning Levee's cumulative counters into what an operator asks: how many per minute just now,
 * what share each deployment takes, and when a job will finish. Pure functions over the samples
 * that console-state.mjs keeps.
 */

/** A rate is judged over the last minute of samples, so one 2-s poll does not make a spike… */
const RATE_WINDOW_MS = 60_000;
/** …and over no less than this, so the first points after the page opens are not wild either. */
const RATE_MIN_SPAN_MS = 10_000;
/** The charts' span. */
export const CHART_SPAN_MS = 10 * 60_000;

/**
 * One series per counter key: per-minute rates at each sample time.
 * A counter that went down (a restart, or a poll answered by another replica) leaves a gap.
 * @param {{ atMs: number }[]} samples oldest first
 * @param {(sample: any) => Record<string, number>} counters the counters of one sample, by key
 * @returns {{ times: number[], series: { key: string, values: (number | null)[] }[] }} times in seconds (uPlot's unit)
 */
export function perMinuteSeries(samples, counters) {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(counters(sample))))].sort();
  const times = samples.map((sample) => sample.atMs / 1_000);
  // For each sample, the oldest earlier sample within the window (samples are in time order).
  const starts = [];
  for (let i = 0, start = 0; i < samples.length; i++) {
    while (samples[i].atMs - samples[start].atMs > RATE_WINDOW_MS) start++;
    starts.push(start < i && samples[i].atMs - samples[start].atMs >= RATE_MIN_SPAN_MS ? start : -1);
  }
  const series = keys.map((key) => ({
    key,
    values: samples.map((sample, i) => {
      const start = starts[i];
      if (start === -1) return null;
      const delta = (counters(sample)[key] ?? 0) - (counters(samples[start])[key] ?? 0);
      if (delta < 0) return null;
      return (delta * 60_000) / (sample.atMs - samples[start].atMs);
    }),
  }));
  return { times, series };
}

/**
 * Each key's share of the traffic seen across the samples; before any traffic has been seen
 * since the page opened, the shares since Levee started (`sinceStart` says which).
 * @param {{ atMs: number }[]} samples oldest first
 * @param {(sample: any) => Record<string, number>} counters
 * @returns {{ sinceStart: boolean, counts: Record<string, number> }}
 */
export function observedCounts(samples, counters) {
  if (samples.length === 0) return { sinceStart: true, counts: {} };
  const last = counters(samples.at(-1));
  const first = counters(samples[0]);
  const deltas = Object.fromEntries(Object.entries(last).map(([key, count]) => [key, Math.max(0, count - (first[key] ?? 0))]));
  const seen = Object.values(deltas).some((delta) => delta > 0);
  return seen ? { sinceStart: false, counts: deltas } : { sinceStart: true, counts: last };
}

/**
 * Milliseconds until a job finishes at the pace observed lately; null while there is no pace yet.
 * @param {{ atMs: number, done: number }[] | undefined} progress oldest first
 * @param {number} total
 */
export function jobEtaMs(progress, total) {
  if (!progress || progress.length < 2 || !total) return null;
  const first = progress[0];
  const last = progress[progress.length - 1];
  const perMs = (last.done - first.done) / (last.atMs - first.atMs);
  if (!(perMs > 0)) return null;
  return Math.max(0, total - last.done) / perMs;
}

/**
 * The latest value and the peak of a series, for the charts' text alternative.
 * @param {(number | null)[]} values
 */
export function latestAndPeak(values) {
  const known = values.filter((value) => value != null);
  return { latest: known.at(-1) ?? null, peak: known.length ? Math.max(...known) : null };
}
