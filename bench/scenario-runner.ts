/**
 * What every scenario shares: the settings, the running targets, and `measure`, which warms a
 * target up, runs the same measurement `runsPerFigure` times and records each run and the median.
 */
import { CLIENT_AUTHORIZATION } from './client-key.ts';
import { medianFigures } from './figures.ts';
import type { ServiceProcess } from './processes.ts';
import type { BenchTarget, RunFigures, ScenarioResult } from './results.ts';

/** The fixed settings of one benchmark run (stated in the results). */
export interface BenchSettings {
  /** `--quick`: 1 run per figure, 2 s runs, fewer documents and streams (development only). */
  quick: boolean;
  /** autocannon connections, and concurrent streams in the streaming scenario. */
  connections: number;
  /** Length of each measured run, s. */
  runSeconds: number;
  /** One warm-up before the runs of each figure, s (not measured). */
  warmupSeconds: number;
  runsPerFigure: number;
  /**
   * Connections in the search scenario: the embedded store is one session (Postgres bulkhead 1,
   * 4 queued), so more would mostly measure 503 dependency_saturated.
   */
  searchConnections: number;
  /** Documents loaded before the search scenario. */
  searchDocuments: number;
  /** Documents per upsert while loading (Levee's maximum is 1,000). */
  searchBatchSize: number;
  /** Vector size of the search collection (the simulator's size for unknown models). */
  searchDimension: number;
  /** Streams held open at once for the memory measurement. */
  concurrentStreams: number;
  /** How long the held streams are sampled once all are open, s. */
  concurrentStreamsSampleSeconds: number;
}

export interface Target {
  name: BenchTarget;
  process: ServiceProcess;
}

export interface BenchContext {
  settings: BenchSettings;
  simulator: ServiceProcess;
  /** baseline, levee, levee-redis, in that order. */
  targets: Target[];
  adminToken: string;
  progress(line: string): void;
  /** Every figure measured so far. */
  scenarios: ScenarioResult[];
  /** Extra facts for `settings` (e.g. how long loading the search documents took). */
  notes: Record<string, string | number>;
}

export interface MeasureSpec {
  scenario: string;
  target: Target;
  level: string;
  /** One untimed run of `seconds` seconds, unsampled. */
  warmup(seconds: number): Promise<unknown>;
  /** One measured run, sampling `pid`. */
  run(seconds: number, pid: number): Promise<RunFigures & { statuses?: Record<string, number> }>;
}

/** Warms up, runs `runsPerFigure` times, records the result in `context.scenarios` and returns it. */
export async function measure(context: BenchContext, spec: MeasureSpec): Promise<ScenarioResult> {
  const { settings } = context;
  await spec.warmup(settings.warmupSeconds);
  const runs: RunFigures[] = [];
  for (let index = 0; index < settings.runsPerFigure; index += 1) {
    const { statuses, ...figures } = await spec.run(settings.runSeconds, spec.target.process.pid);
    runs.push(figures);
    const statusText = statuses ? ` statuses ${JSON.stringify(statuses)}` : '';
    context.progress(
      `${spec.scenario} ${spec.target.name} ${spec.level} run ${index + 1}/${settings.runsPerFigure}: ${describe(figures)}${statusText}`,
    );
  }
  const result: ScenarioResult = { scenario: spec.scenario, target: spec.target.name, level: spec.level, runs, median: medianFigures(runs) };
  context.scenarios.push(result);
  return result;
}

function describe(figures: RunFigures): string {
  const { latencyMs: latency } = figures;
  return (
    `${figures.throughput.toFixed(1)}/s p50 ${latency.p50.toFixed(2)} p95 ${latency.p95.toFixed(2)} ` +
    `p99 ${latency.p99.toFixed(2)} p99.9 ${latency.p999.toFixed(2)} ms, errors ${figures.errors}, ` +
    `cpu ${figures.cpuPercent.toFixed(0)} %, rss ${figures.rssMiB.toFixed(0)} MiB`
  );
}

/** A request id unique across runs and processes, so bodies never repeat (cache misses). */
export function uniqueTexts(prefix: string): () => string {
  const run = Date.now().toString(36);
  let counter = 0;
  return () => `${prefix} ${run}-${(counter += 1)}`;
}

/** JSON from a target, failing loudly on an unexpected status. */
export async function call(
  origin: string,
  path: string,
  options: { method?: string; body?: unknown; token?: string; expect?: number[] } = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      // The admin token where one is given, else the client key (Levee runs with API keys on).
      ...(options.token ? { authorization: `Bearer ${options.token}` } : CLIENT_AUTHORIZATION),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const expect = options.expect ?? [200];
  if (!expect.includes(response.status)) {
    throw new Error(`${method} ${origin}${path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
}
