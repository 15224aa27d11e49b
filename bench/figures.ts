/** Percentiles of latency samples and the median of repeated runs, as bench/results.ts shapes them. */
import type { LatencyPercentiles, RunFigures } from './results.ts';

/** Nearest-rank percentile of ascending `sorted` (0 when empty). */
function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Exact p50/p95/p99/p99.9 of latency samples, ms. */
export function latencyPercentiles(samples: ArrayLike<number>): LatencyPercentiles {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each figure the median of the runs, taken figure by figure. */
export function medianFigures(runs: readonly RunFigures[]): RunFigures {
  const of = (pick: (run: RunFigures) => number) => round(median(runs.map(pick)));
  return {
    throughput: of((run) => run.throughput),
    latencyMs: {
      p50: of((run) => run.latencyMs.p50),
      p95: of((run) => run.latencyMs.p95),
      p99: of((run) => run.latencyMs.p99),
      p999: of((run) => run.latencyMs.p999),
    },
    errors: of((run) => run.errors),
    cpuPercent: of((run) => run.cpuPercent),
    rssMiB: of((run) => run.rssMiB),
  };
}

/** Three decimals: µs resolution for milliseconds. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
