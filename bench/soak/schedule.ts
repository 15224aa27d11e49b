/**
 * The soak's fault schedule: one fault a minute, each WINDOW_MS long, the first FIRST_FAULT_AT_MS
 * in, rotating latency shift → provider outage → Redis restart. Outages take turns between the two
 * providers, and the shape goes HTTP 500s, process SIGKILLed (and started again on its port),
 * SIGKILLed, 500s, …: a 10-minute run's three outages have both shapes and both providers.
 *
 * Latency first on purpose: a latency window grows Levee's upstream connection pools, whose idle
 * connections then stay open for about a minute (the simulator's keep-alive), so the minutes
 * after one hold more file descriptors. With latency at indexes 0, 3, 6, 9, neither minute 3 nor
 * minute 10 (the resource trend's ends) follows one.
 */
import type { FaultWindow } from './soak-results.ts';
import { GRACE_MS } from './classify.ts';

export const FIRST_FAULT_AT_MS = 20_000;
export const FAULT_EVERY_MS = 60_000;
export const WINDOW_MS = 25_000;
/** The upstream latency inside a latency-shift window (healthy: ~20 ms, p99 150 ms). */
export const SHIFTED_LATENCY_MS = 1_500;

export const PROVIDERS = ['primary', 'secondary'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

const KINDS = ['latency-shift', 'provider-outage', 'redis-restart'] as const;

/** Every fault of a run of `minutes`; the last one ends, grace included, before the run does. */
export function faultSchedule(minutes: number): FaultWindow[] {
  const faults: FaultWindow[] = [];
  for (let index = 0; ; index++) {
    const startMs = FIRST_FAULT_AT_MS + index * FAULT_EVERY_MS;
    const endMs = startMs + WINDOW_MS;
    if (endMs + GRACE_MS > minutes * 60_000) return faults;
    const kind = KINDS[index % KINDS.length]!;
    if (kind === 'provider-outage') {
      const outage = Math.floor(index / KINDS.length);
      const provider = PROVIDERS[outage % 2]!;
      const mode = Math.floor((outage + 1) / 2) % 2 === 0 ? 'errors' : 'killed';
      const label = mode === 'errors' ? `${provider} answers 500` : `${provider} down (SIGKILL)`;
      faults.push({ kind, startMs, endMs, label, provider, mode });
    } else if (kind === 'latency-shift') {
      faults.push({ kind, startMs, endMs, label: `upstream latency → ${SHIFTED_LATENCY_MS / 1000} s` });
    } else {
      faults.push({ kind, startMs, endMs, label: 'redis-server SIGKILLed' });
    }
  }
}

/**
 * When the sampler forces a GC to read the heap after it: three times a minute, in the quiet part
 * of each minute (its fault window starts at 20 s; the last one's grace ended at 55 s), because the
 * GC stops Levee for 0.1–0.6 s and should not stand in for the faults under test.
 */
export const HEAP_SAMPLE_OFFSETS_MS = [3_000, 10_000, 17_000] as const;

export function heapSampleTimes(minutes: number): number[] {
  return Array.from({ length: minutes }, (_, minute) => HEAP_SAMPLE_OFFSETS_MS.map((offset) => minute * 60_000 + offset)).flat();
}

