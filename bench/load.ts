/**
 * One closed-loop HTTP load run at full speed with autocannon (paced loads: paced-load.ts) (programmatic API), measured into RunFigures
 * together with the target process's CPU and peak RSS.
 *
 * Latency: every response's time is taken from autocannon's `response` event (hrtime from the
 * request's write to the response's end), only for expected statuses, and the percentiles are
 * exact over those samples — autocannon's own summary has no p95 (its percentiles are p90,
 * p97.5, p99, …).
 */
import autocannon from 'autocannon';
import { latencyPercentiles, round } from './figures.ts';
import { CLIENT_AUTHORIZATION } from './client-key.ts';
import { ResourceSampler } from './resource-sampler.ts';
import type { RunFigures } from './results.ts';

export interface LoadOptions {
  /** Scheme, host and port of the target. */
  origin: string;
  path: string;
  /** Headers besides content-type: application/json. */
  headers?: Record<string, string>;
  /** The request body; a function is called per request, so every request can differ (cache misses). */
  body: string | (() => string);
  connections: number;
  durationSeconds: number;
  /** Statuses that count as completed (default 200). */
  expectedStatuses?: readonly number[];
  /** The process whose CPU and RSS are sampled; unset: not sampled (warm-ups). */
  pid?: number;
}

export interface LoadOutcome extends RunFigures {
  /** Responses by status, for the progress line and diagnosis. */
  statuses: Record<string, number>;
}

export function runLoad(options: LoadOptions): Promise<LoadOutcome> {
  const expected = new Set(options.expectedStatuses ?? [200]);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let completed = 0;
  let unexpected = 0;
  const { body } = options;

  const request: autocannon.Request =
    typeof body === 'string'
      ? { method: 'POST', path: options.path, body }
      : { method: 'POST', path: options.path, setupRequest: (raw) => ({ ...raw, body: body() }) };

  const sampler = options.pid === undefined ? undefined : new ResourceSampler(options.pid);
  return new Promise<LoadOutcome>((resolve, reject) => {
    sampler?.start();
    const instance = autocannon(
      {
        url: options.origin,
        connections: options.connections,
        duration: options.durationSeconds,
        headers: { 'content-type': 'application/json', ...CLIENT_AUTHORIZATION, ...options.headers },
        requests: [request],
        timeout: 10,
      },
      (error, result) => {
        const resources = sampler?.stop() ?? { cpuPercent: 0, rssMiB: 0 };
        if (error) return reject(error as Error);
        const seconds = result.duration > 0 ? result.duration : options.durationSeconds;
        resolve({
          throughput: round(completed / seconds),
          latencyMs: latencyPercentiles(latencies),
          // Unexpected statuses, connection errors and timeouts.
          errors: unexpected + result.errors + result.timeouts,
          cpuPercent: round(resources.cpuPercent),
          rssMiB: round(resources.rssMiB),
          statuses,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (expected.has(statusCode)) {
        completed += 1;
        latencies.push(responseTimeMs);
      } else {
        unexpected += 1;
      }
    });
  });
}
