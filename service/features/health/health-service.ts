/**
 * What the health endpoints report: the replica's lifecycle phase, its local prerequisites (which
 * gate readiness) and its dependencies (which never do: an open breaker or a lost Redis makes a
 * replica degraded, not unready, or a load balancer would turn fast 503s into connection errors).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CheckDetails, CheckStatus, HealthCheck } from '../../capabilities/health/health-check.ts';
import { raceSignal } from '../../resilience/race-signal.ts';

/** The event-loop monitor samples this often; its samples include this interval, which we subtract. */
const EVENT_LOOP_SAMPLE_MS = 10;

export type Phase = 'starting' | 'serving' | 'draining';

export interface CheckResult extends CheckDetails {
  status: CheckStatus;
  kind: HealthCheck['kind'];
  latency_ms: number;
  checked_at: string;
  error?: string;
}

export interface HealthServiceOptions {
  /** Each check is abandoned after this long, so a probe never hangs. */
  checkTimeoutMs: number;
  version: string;
}

export class HealthService {
  readonly #checks = new Map<string, HealthCheck>();
  readonly #inFlight = new Map<string, Promise<CheckResult>>();
  readonly #options: HealthServiceOptions;
  readonly #eventLoopDelay: ReturnType<typeof monitorEventLoopDelay>;
  readonly #startedAt = Date.now();
  #phase: Phase = 'starting';

  constructor(options: HealthServiceOptions) {
    this.#options = options;
    this.#eventLoopDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
    this.#eventLoopDelay.enable();
  }

  get phase(): Phase {
    return this.#phase;
  }

  register(check: HealthCheck): void {
    this.#checks.set(check.name, check);
  }

  markServing(): void {
    if (this.#phase === 'starting') this.#phase = 'serving';
  }

  /** One way: a draining replica never serves again. */
  markDraining(): void {
    this.#phase = 'draining';
  }

  /** Liveness and phase only; no check runs. */
  summary() {
    return {
      status: this.#phase === 'serving' ? 'ok' : this.#phase,
      version: this.#options.version,
      uptime_s: Math.round((Date.now() - this.#startedAt) / 1000),
      timestamp: new Date().toISOString(),
    };
  }

  /** Ready when serving and every prerequisite passes its check. */
  async readiness(): Promise<{ ready: boolean; phase: Phase; failing: string[] }> {
    const prerequisites = [...this.#checks.values()].filter((check) => check.kind === 'prerequisite');
    return this.#readinessFrom(prerequisites, await Promise.all(prerequisites.map((check) => this.#run(check))));
  }

  /** Every check, run now (concurrent probes share one run per check). */
  async detailed() {
    const checks = [...this.#checks.values()];
    const results = await Promise.all(checks.map((check) => this.#run(check)));
    const byName = Object.fromEntries(checks.map((check, index) => [check.name, results[index]!]));
    const { ready } = this.#readinessFrom(checks, results);
    const anyDegraded = results.some((result) => result.status !== 'ok');
    return {
      ...this.summary(),
      status: ready ? (anyDegraded ? 'degraded' : 'ok') : this.#phase === 'serving' ? 'down' : this.#phase,
      ready,
      checks: byName,
      process: this.#processStats(),
    };
  }

  close(): void {
    this.#eventLoopDelay.disable();
  }

  /** Readiness from results already in hand: only prerequisites that are down count. */
  #readinessFrom(checks: readonly HealthCheck[], results: readonly CheckResult[]) {
    const failing = checks.flatMap((check, index) => (check.kind === 'prerequisite' && results[index]!.status === 'down' ? [check.name] : []));
    return { ready: this.#phase === 'serving' && failing.length === 0, phase: this.#phase, failing };
  }

  #run(check: HealthCheck): Promise<CheckResult> {
    const running = this.#inFlight.get(check.name);
    if (running) return running;
    const run = this.#timed(check).finally(() => this.#inFlight.delete(check.name));
    this.#inFlight.set(check.name, run);
    return run;
  }

  async #timed(check: HealthCheck): Promise<CheckResult> {
    const started = performance.now();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('health check timed out')), this.#options.checkTimeoutMs);
    const base = () => ({
      kind: check.kind,
      latency_ms: Math.round((performance.now() - started) * 10) / 10,
      checked_at: new Date().toISOString(),
    });
    let result: CheckResult;
    try {
      const details = await raceSignal(check.check(timeout.signal), timeout.signal);
      result = { ...details, status: details?.status ?? 'ok', ...base() };
    } catch (error) {
      // Only the error's class and a safe message: checks must not put secrets in messages.
      const message = timeout.signal.aborted ? `timed out after ${this.#options.checkTimeoutMs} ms` : errorSummary(error);
      result = { status: 'down', ...base(), error: message };
    } finally {
      clearTimeout(timer);
    }
    return result;
  }

  #processStats() {
    const memory = process.memoryUsage();
    const stats = {
      node_version: process.version,
      rss_bytes: memory.rss,
      heap_used_bytes: memory.heapUsed,
      event_loop_delay_p50_ms: delayMs(this.#eventLoopDelay.percentile(50)),
      event_loop_delay_p99_ms: delayMs(this.#eventLoopDelay.percentile(99)),
      event_loop_delay_max_ms: delayMs(this.#eventLoopDelay.max),
    };
    this.#eventLoopDelay.reset();
    return stats;
  }
}

function errorSummary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 200);
  return 'check failed';
}

/** A sample's delay beyond the sampling interval, in ms. */
function delayMs(sampleNanos: number): number {
  if (!Number.isFinite(sampleNanos)) return 0;
  return Math.max(0, Math.round((sampleNanos / 1e6 - EVENT_LOOP_SAMPLE_MS) * 100) / 100);
}
