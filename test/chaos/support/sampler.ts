/**
 * Every interval (500 ms by default) one ChaosSample: the client requests that ended in the
 * interval (ok, failed, P50 and P99 latency), each replica's LLM breaker state (from
 * /health/circuit-breakers; `down` when it does not answer), the upstream attempts that arrived
 * in the interval (from the tap, which sees exactly what reaches the simulator), and when asked
 * each replica's chat attempt timeout from /metrics. With several providers it also records the
 * attempts at each provider's tap, the 200s each provider served (X-Levee-Provider) and each
 * replica's breaker of every provider; when asked, the client answers by status. Ticks never
 * overlap: a slow tick delays the next instead of piling up.
 */
import type { ChaosSample } from '../../../bench/results.ts';
import { breakerStates, INSTANCES, type ChaosStack } from './chaos-stack.ts';
import { nowMs, percentile, round } from './clock.ts';
import type { RequestRecord } from './load-driver.ts';
import { chatTimeoutMs, scrape } from './metrics.ts';

export interface SamplerOptions {
  /** Epoch ms the scenario's clock starts at (t = 0). */
  t0: number;
  intervalMs?: number;
  /** Every record list to count (the steady load's, a burst's…); read at each tick. */
  records: () => ReadonlyArray<readonly RequestRecord[]>;
  /** Also read each replica's adaptive timeout. */
  adaptiveTimeout?: boolean;
  /** Also count the client answers by status. */
  statuses?: boolean;
}

export interface Sampler {
  samples: ChaosSample[];
  stop(): Promise<ChaosSample[]>;
}

export function startSampler(stack: ChaosStack, options: SamplerOptions): Sampler {
  const intervalMs = options.intervalMs ?? 500;
  const samples: ChaosSample[] = [];
  let last = nowMs();
  const providers = Object.values(stack.providers);
  const several = providers.length > 1;
  const tapSeen = new Map(providers.map(({ id, tap }) => [id, tap.records.filter((record) => record.arrivedAt < last).length]));
  let running = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = async () => {
    const now = nowMs();
    const ended = options.records().flatMap((records) => records.filter((record) => record.endedAt >= last && record.endedAt < now));
    const ok = ended.filter((record) => record.completed);
    const latencies = ended.filter((record) => record.status !== 0).map((record) => record.latencyMs);
    const byProvider: Record<string, number> = {};
    for (const { id, tap } of providers) {
      const total = tap.records.length;
      byProvider[id] = total - (tapSeen.get(id) ?? 0);
      tapSeen.set(id, total);
    }
    const upstreamAttempts = Object.values(byProvider).reduce((sum, attempts) => sum + attempts, 0);
    last = now;
    const breaker: Record<string, string> = {};
    const timeouts: Record<string, number> = {};
    await Promise.all(
      INSTANCES.map(async (name) => {
        const { url } = stack.instances[name];
        const states = await breakerStates(url, providers.map(({ id }) => id));
        for (const [id, state] of Object.entries(states)) breaker[several ? `${name}/${id}` : name] = state;
        if (options.adaptiveTimeout) {
          const metrics = await scrape(url, 1_000);
          const value = metrics ? chatTimeoutMs(metrics) : Number.NaN;
          if (Number.isFinite(value)) timeouts[name] = Math.round(value);
        }
      }),
    );
    samples.push({
      t: round((now - options.t0) / 1000)!,
      ok: ok.length,
      failed: ended.length - ok.length,
      latencyP50Ms: round(percentile(latencies, 50)),
      latencyP99Ms: round(percentile(latencies, 99)),
      breaker,
      upstreamAttempts,
      ...(several ? { upstreamAttemptsByProvider: byProvider, servedBy: servedBy(ended, providers.map(({ id }) => id)) } : {}),
      ...(options.statuses ? { statuses: countBy(ended, (record) => (record.status === 0 ? 'error' : String(record.status))) } : {}),
      ...(options.adaptiveTimeout ? { adaptiveTimeoutMs: timeouts } : {}),
    });
  };

  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, Math.max(0, last + intervalMs - nowMs()));
  };
  schedule();

  return {
    samples,
    async stop() {
      running = false;
      clearTimeout(timer);
      await current;
      await tick();
      return samples;
    },
  };
}

/** 200s by the provider that served them: every provider listed (0 when none), others as they come. */
function servedBy(records: readonly RequestRecord[], providers: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(providers.map((id) => [id, 0]));
  for (const record of records) if (record.status === 200 && record.provider) counts[record.provider] = (counts[record.provider] ?? 0) + 1;
  return counts;
}

function countBy(records: readonly RequestRecord[], key: (record: RequestRecord) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) counts[key(record)] = (counts[key(record)] ?? 0) + 1;
  return counts;
}
