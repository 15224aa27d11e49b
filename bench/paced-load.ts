/**
 * An evenly paced open-loop load, as wrk2 drives it: request i is due at start + i / rate and is
 * sent then, whatever the earlier ones are doing, and its latency is measured from when it was
 * due, not from when it went out. A server that stalls is thus charged for every request that
 * waited behind the stall (coordinated omission corrected). autocannon's `overallRate` sends in
 * per-connection bursts and times each request from its write, so a stall shows as one slow
 * request; no maintained npm or Debian tool does this, hence this small one (test/paced-load.test.ts).
 */
import { Pool } from 'undici';
import { CLIENT_AUTHORIZATION } from './client-key.ts';
import { latencyPercentiles, round } from './figures.ts';
import type { LoadOutcome } from './load.ts';
import { ResourceSampler } from './resource-sampler.ts';

/** Time as the generator sees it (ms); tests drive a fake one. */
export interface PacedClock {
  now(): number;
  /** Resolves after about `ms`. */
  wait(ms: number): Promise<void>;
}

const realClock: PacedClock = {
  now: () => performance.now(),
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PacedRun {
  /** Per answered request: ms from when it was due to its answer's end. */
  latencies: number[];
  statuses: Record<string, number>;
  /** Requests not sent because `maxInFlight` were still open (counted as errors). */
  dropped: number;
  /** Requests that failed without an answer. */
  failed: number;
  /** Seconds from the first due time to the last answer. */
  seconds: number;
}

export interface PacedOptions {
  ratePerSecond: number;
  durationSeconds: number;
  /** Requests open at once at most; a due request beyond it is dropped and counted. */
  maxInFlight?: number;
  clock?: PacedClock;
}

/** A request's status, and when its measured part ended (default: when `send` resolved). */
export type PacedAnswer = number | { status: number; measuredAt: number };

/**
 * Runs `send` (resolving with the status) on schedule; resolves once every request sent has ended.
 * Each latency runs from the request's due time to its answer's end, or to `measuredAt` (the
 * clock's time, e.g. a stream's first byte).
 */
export async function runPaced(options: PacedOptions, send: () => Promise<PacedAnswer>): Promise<PacedRun> {
  const clock = options.clock ?? realClock;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.floor(options.ratePerSecond * options.durationSeconds);
  const run: PacedRun = { latencies: [], statuses: {}, dropped: 0, failed: 0, seconds: 0 };
  const start = clock.now();
  const open = new Set<Promise<void>>();
  let lastEnd = start;

  const launch = (due: number) => {
    if (open.size >= maxInFlight) {
      run.dropped += 1;
      return;
    }
    const request: Promise<void> = send().then(
      (answer) => {
        const end = clock.now();
        lastEnd = Math.max(lastEnd, end);
        const status = typeof answer === 'number' ? answer : answer.status;
        run.statuses[status] = (run.statuses[status] ?? 0) + 1;
        run.latencies.push((typeof answer === 'number' ? end : answer.measuredAt) - due);
      },
      () => {
        run.failed += 1;
      },
    );
    open.add(request);
    void request.finally(() => open.delete(request));
  };

  for (let index = 0; index < total; ) {
    const now = clock.now();
    // Every request already due goes now (a late timer sends them together, each timed from its own due time).
    while (index < total && start + index * intervalMs <= now) launch(start + index++ * intervalMs);
    if (index < total) await clock.wait(Math.max(0, start + index * intervalMs - clock.now()));
  }
  while (open.size > 0) await Promise.race(open);
  run.seconds = Math.max(0.001, (lastEnd - start) / 1000);
  return run;
}

export interface PacedLoadOptions {
  origin: string;
  path: string;
  body: string;
  /** Headers besides content-type: application/json (an API key). */
  headers?: Record<string, string>;
  /** Connections the pool may open (requests beyond them wait in the pool, their wait counted). */
  connections: number;
  ratePerSecond: number;
  durationSeconds: number;
  expectedStatuses?: readonly number[];
  /** The process whose CPU and RSS are sampled; unset: not sampled (warm-ups). */
  pid?: number;
  /** Time each request to the first byte of its body (streams) instead of its end. */
  toFirstByte?: boolean;
}

/** A paced POST load on one route, measured like load.ts's closed-loop runs. */
export async function runPacedLoad(options: PacedLoadOptions): Promise<LoadOutcome> {
  const expected = new Set(options.expectedStatuses ?? [200]);
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 10_000 });
  const sampler = options.pid === undefined ? undefined : new ResourceSampler(options.pid);
  const headers = { 'content-type': 'application/json', ...CLIENT_AUTHORIZATION, ...options.headers };
  sampler?.start();
  try {
    const run = await runPaced({ ratePerSecond: options.ratePerSecond, durationSeconds: options.durationSeconds, maxInFlight: options.connections * 50 }, async () => {
      const response = await pool.request({ method: 'POST', path: options.path, headers, body: options.body, headersTimeout: 10_000, bodyTimeout: 10_000 });
      if (!options.toFirstByte) {
        await response.body.dump();
        return response.statusCode;
      }
      let measuredAt: number | undefined;
      for await (const _chunk of response.body) measuredAt ??= realClock.now();
      return { status: response.statusCode, measuredAt: measuredAt ?? realClock.now() };
    });
    const resources = sampler?.stop() ?? { cpuPercent: 0, rssMiB: 0 };
    const answered = Object.entries(run.statuses);
    const completed = answered.filter(([status]) => expected.has(Number(status))).reduce((sum, [, count]) => sum + count, 0);
    const unexpected = answered.filter(([status]) => !expected.has(Number(status))).reduce((sum, [, count]) => sum + count, 0);
    return {
      throughput: round(completed / run.seconds),
      // Unexpected statuses count as errors; their latencies are few and kept (a paced run times every answer).
      latencyMs: latencyPercentiles(run.latencies),
      errors: unexpected + run.failed + run.dropped,
      cpuPercent: round(resources.cpuPercent),
      rssMiB: round(resources.rssMiB),
      statuses: run.statuses,
    };
  } finally {
    await pool.close();
  }
}
