/**
 * The soak's readers of Levee: its health endpoints about every second (breakers, Redis and which
 * shared-state features run locally: the recovery criteria); its process every RESOURCE_EVERY_MS
 * (RSS, CPU and open file descriptors from /proc, active resources over the inspector, event-loop
 * lag p99 from /metrics); and the heap after a forced GC at the times schedule.ts gives. Each loop
 * waits for its reading before the next, so a slow Levee is sampled less often, never piled up on.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { scrape } from '../../test/chaos/support/metrics.ts';
import { cpuSeconds, rssMiB } from '../resource-sampler.ts';
import type { Inspector } from './inspector.ts';
import type { HealthSample, HeapSample, ResourceSample } from './soak-results.ts';

export const RESOURCE_EVERY_MS = 5_000;
export const HEALTH_EVERY_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;

export interface SamplerOptions {
  leveeUrl: string;
  pid: number;
  inspector: Inspector;
  /** ms since the run's start. */
  elapsed: () => number;
  /** When to force a GC and read the heap (ms since the start). */
  heapAt: readonly number[];
}

interface Detailed {
  checks?: { redis?: { status?: string; features?: Record<string, { mode?: string }> } };
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}

async function readHealth(leveeUrl: string, t: number): Promise<HealthSample> {
  const [breakers, detailed] = await Promise.all([
    getJson<{ circuit_breakers?: Record<string, { state: string }> }>(`${leveeUrl}/health/circuit-breakers`),
    getJson<Detailed>(`${leveeUrl}/health/detailed`),
  ]);
  const redis = detailed?.checks?.redis;
  return {
    t,
    breakers: Object.fromEntries(Object.entries(breakers?.circuit_breakers ?? {}).map(([name, breaker]) => [name, breaker.state])),
    redis: detailed === undefined ? 'unreachable' : (redis?.status ?? 'absent'),
    localFeatures: Object.entries(redis?.features ?? {})
      .filter(([, feature]) => feature.mode === 'local')
      .map(([name]) => name),
  };
}

/** /proc/<pid>/fd by what each points to: `socket`, `pipe`, `anon_inode`, or `file`. */
function fdsByKind(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const kind = /^(socket|pipe|anon_inode):/.exec(target)?.[1] ?? 'file';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

async function readResources(options: SamplerOptions, lastCpu: { seconds: number; at: number }): Promise<ResourceSample> {
  const t = options.elapsed();
  const metrics = await scrape(options.leveeUrl, PROBE_TIMEOUT_MS);
  const lagSeconds = metrics?.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN;
  const resourcesByType = await options.inspector.activeResources();
  const cpu = cpuSeconds(options.pid);
  const now = performance.now();
  const cpuPercent = now > lastCpu.at ? (100 * (cpu - lastCpu.seconds) * 1000) / (now - lastCpu.at) : 0;
  lastCpu.seconds = cpu;
  lastCpu.at = now;
  const byKind = fdsByKind(options.pid);
  return {
    t,
    rssMiB: rssMiB(options.pid),
    openFds: Object.values(byKind).reduce((sum, count) => sum + count, 0),
    fdsByKind: byKind,
    activeResources: Object.values(resourcesByType).reduce((sum, count) => sum + count, 0),
    resourcesByType,
    ...(Number.isFinite(lagSeconds) ? { eventLoopLagP99Ms: lagSeconds * 1000 } : {}),
    cpuPercent,
  };
}

export interface Samplers {
  /** Stops every loop after its current reading; resolves with everything read. */
  stop(): Promise<{ samples: ResourceSample[]; heap: HeapSample[]; health: HealthSample[] }>;
}

/** `onResource` sees each resource sample as it is taken (progress lines). */
export function startSamplers(options: SamplerOptions, onResource?: (sample: ResourceSample) => void): Samplers {
  const samples: ResourceSample[] = [];
  const heap: HeapSample[] = [];
  const health: HealthSample[] = [];
  const stopping = new AbortController();
  const sleepUntil = (t: number) => delay(Math.max(0, t - options.elapsed()), undefined, { signal: stopping.signal }).catch(() => undefined);
  const every = async (ms: number, read: () => Promise<void>) => {
    while (!stopping.signal.aborted) {
      const due = options.elapsed() + ms;
      await read();
      await sleepUntil(due);
    }
  };
  const lastCpu = { seconds: cpuSeconds(options.pid), at: performance.now() };
  const loops = Promise.all([
    every(HEALTH_EVERY_MS, async () => void health.push(await readHealth(options.leveeUrl, options.elapsed()))),
    every(RESOURCE_EVERY_MS, async () => {
      const sample = await readResources(options, lastCpu);
      samples.push(sample);
      onResource?.(sample);
    }),
    (async () => {
      for (const due of options.heapAt) {
        await sleepUntil(due);
        if (stopping.signal.aborted) return;
        const t = options.elapsed();
        const { heapMiB, spacesMiB, gcMs } = await options.inspector.heapAfterGc();
        heap.push({ t, heapAfterGcMiB: heapMiB, spacesMiB, gcMs });
      }
    })(),
  ]);
  return {
    async stop() {
      stopping.abort();
      await loops;
      return { samples, heap, health };
    },
  };
}
