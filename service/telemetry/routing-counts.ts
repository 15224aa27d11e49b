/**
 * The routing counters' values as they stand (cumulative since start), read back from prom-client
 * for the ops console: these figures live nowhere else. Summed to what an operator compares —
 * calls per public model and provider, fallbacks and hedges sent per public model — so no
 * other label (outcome, operation, upstream model) leaves here.
 */
import type { Metrics } from './metrics.ts';

export interface RoutingCounts {
  routed: Array<{ model: string; provider: string; count: number }>;
  fallbacks: Array<{ model: string; count: number }>;
  hedges: Array<{ model: string; count: number }>;
}

export async function routingCounts(metrics: Pick<Metrics, 'routedCalls' | 'fallbacks' | 'hedges'>): Promise<RoutingCounts> {
  const [routed, fallbacks, hedges] = await Promise.all([metrics.routedCalls.get(), metrics.fallbacks.get(), metrics.hedges.get()]);
  return {
    routed: summed(routed.values, (labels) => [String(labels.model), String(labels.provider)]).map(([[model, provider], count]) => ({ model: model!, provider: provider!, count })),
    fallbacks: summed(fallbacks.values, (labels) => [String(labels.model)]).map(([[model], count]) => ({ model: model!, count })),
    hedges: summed(hedges.values.filter((value) => value.labels.event === 'sent'), (labels) => [String(labels.model)]).map(([[model], count]) => ({ model: model!, count })),
  };
}

type Sample = { labels: Partial<Record<string, string | number>>; value: number };

/** The samples' values added up per key, in key order. */
function summed(samples: readonly Sample[], keyOf: (labels: Sample['labels']) => string[]): Array<[string[], number]> {
  const totals = new Map<string, [string[], number]>();
  for (const sample of samples) {
    const key = keyOf(sample.labels);
    const id = JSON.stringify(key);
    const total = totals.get(id);
    if (total) total[1] += sample.value;
    else totals.set(id, [key, sample.value]);
  }
  return [...totals.values()].sort(([a], [b]) => a.join('\0').localeCompare(b.join('\0')));
}
