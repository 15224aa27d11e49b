/**
 * The shape of what `npm run bench` and `npm run chaos` measure, written as JSON next to the
 * report (bench/results/<date>/bench.json, chaos.json) and read by the report writer. Times are
 * milliseconds unless a name says otherwise.
 */

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
}

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

/** One measured run of one scenario against one target. */
export interface RunFigures {
  /** Completed requests per second (2xx and expected statuses, e.g. 503 for the breaker-open path). */
  throughput: number;
  latencyMs: LatencyPercentiles;
  /** Requests answered with an unexpected status, or not answered. */
  errors: number;
  /** Mean CPU of the target process over the run, % of one core. */
  cpuPercent: number;
  /** Peak resident memory of the target process during the run, MiB. */
  rssMiB: number;
}

export type BenchTarget = 'baseline' | 'levee' | 'levee-redis' | 'levee-sampled' | 'portkey';

export interface ScenarioResult {
  /** e.g. 'chat', 'chat-stream', 'embeddings-64', 'search-10k', 'breaker-open'. */
  scenario: string;
  target: BenchTarget;
  /** e.g. 'max (32 connections)' or 'half of levee max (1200 req/s, paced)'. */
  level: string;
  runs: RunFigures[];
  /** Each figure the median of the runs. */
  median: RunFigures;
}

export interface TargetCheck {
  /** e.g. 'Levee throughput ≥ 0.6 × baseline (non-streaming chat, max level)'. */
  name: string;
  /** The measured figure in the unit of `limit`, e.g. 0.91 or 0.6 (ms). */
  measured: number;
  limit: number;
  unit: string;
  met: boolean;
  note?: string;
}

export interface MicroBenchmark {
  /** µs per call. */
  bareAsyncUs: number;
  /** The policies alone: bulkhead, gate, retry, breaker, adaptive timeout. */
  pipelineUs: number;
  /** pipelineUs − bareAsyncUs. */
  overheadUs: number;
  /** The policies with their telemetry, as Levee runs them: call and attempt spans, counters, exemplar histograms. */
  instrumentedUs: number;
  calls: number;
}

/** One part of Levee's hot path turned off: CPU per call without it, and what it costs. */
export interface BreakdownRow {
  part: string;
  /** How it was turned off. */
  how: string;
  /** Median µs of CPU per completed call over the runs, this variant. */
  cpuUsPerCall: number;
  /** µs per call of each run. */
  runsUs: number[];
  /** Median throughput, req/s. */
  throughput: number;
  /** All-on's µs per call minus this variant's: what the part costs (noise: ± several µs). */
  costUs: number;
}

export interface CpuBreakdown {
  /** The bare proxy's µs per call, interleaved with the variants in the same runs. */
  baselineUsPerCall: number;
  allOnUsPerCall: number;
  /** One per part turned off, then the variant with all of them off at once. */
  rows: BreakdownRow[];
  runs: number;
  runSeconds: number;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  /** The fixed settings, as stated in the report (connections, run length, runs per figure, env). */
  settings: Record<string, string | number>;
  scenarios: ScenarioResult[];
  micro: MicroBenchmark;
  /**
   * Levee's own RSS (MiB) with `streams` concurrent streams open (the embedded Postgres child
   * apart), and `baselineRssMiB`: the same process idle, before the streams; `proxyRssMiB` and
   * `proxyIdleRssMiB`: the bare proxy's, the same way (absent from runs before 2026-12-05).
   */
  concurrentStreams: { streams: number; rssMiB: number; baselineRssMiB: number; proxyRssMiB?: number; proxyIdleRssMiB?: number };
  /** Levee's CPU per proxied chat with one part off at a time (absent from runs before 2026-12-05). */
  cpuBreakdown?: CpuBreakdown;
  targets: TargetCheck[];
  /** Where a target was missed: what the profile showed costs what (markdown). */
  profileNotes?: string;
}

/** One second (or one sampling interval) of a chaos run. */
export interface ChaosSample {
  /** Seconds since the scenario started. */
  t: number;
  ok: number;
  failed: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /**
   * Per Levee instance ('a', 'b'): closed, open, half_open, isolated. With several providers, per
   * instance and provider ('a/primary').
   */
  breaker: Record<string, string>;
  /** Attempts that reached the upstream (simulator) in this interval, every provider together. */
  upstreamAttempts: number;
  /** With several providers: the attempts that reached each provider in this interval. */
  upstreamAttemptsByProvider?: Record<string, number>;
  /** With several providers: client requests answered 200 in this interval, by the provider that served them. */
  servedBy?: Record<string, number>;
  /** When the scenario records it: client requests that ended in this interval by status ('200', '503'; 'error' when no answer came). */
  statuses?: Record<string, number>;
  /** The LLM chat adaptive timeout, ms, per instance (when the scenario records it). */
  adaptiveTimeoutMs?: Record<string, number>;
}

export interface ChaosAssertion {
  name: string;
  passed: boolean;
  detail: string;
}

export interface ChaosResult {
  scenario: string;
  title: string;
  /** 'short' in `npm test`, 'full' in `npm run chaos`. */
  variant: 'short' | 'full';
  /** Seconds since start: when the fault began and ended (shaded in the plot). */
  fault: { start: number; end: number; label: string };
  samples: ChaosSample[];
  assertions: ChaosAssertion[];
}

export interface ChaosResults {
  startedAt: string;
  machine: Machine;
  results: ChaosResult[];
}
