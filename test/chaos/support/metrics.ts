/**
 * One scrape of a replica's /metrics (classic text format), read many times: the sampler and the
 * scenarios take several series from each scrape.
 */

export interface MetricsScrape {
  /** The sample of `name` whose labels include every given pair; NaN when absent. */
  get(name: string, labels?: Record<string, string>): number;
  /** Sum over every sample of `name` whose labels include the given pairs; 0 when none. */
  sum(name: string, labels?: Record<string, string>): number;
}

export async function scrape(baseUrl: string, timeoutMs = 2_000): Promise<MetricsScrape | undefined> {
  let text: string;
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.status !== 200) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  const samples: Array<{ name: string; labels: string[]; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    if (brace === -1) {
      samples.push({ name: line.slice(0, space), labels: [], value: Number(line.slice(space + 1)) });
      continue;
    }
    samples.push({ name: line.slice(0, brace), labels: line.slice(brace + 1, line.lastIndexOf('}')).split(','), value: Number(line.slice(space + 1)) });
  }
  const matching = (name: string, labels: Record<string, string>) => {
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    return samples.filter((sample) => sample.name === name && wanted.every((pair) => sample.labels.includes(pair)));
  };
  return {
    get: (name, labels = {}) => matching(name, labels)[0]?.value ?? Number.NaN,
    sum: (name, labels = {}) => matching(name, labels).reduce((total, sample) => total + sample.value, 0),
  };
}

/** The LLM chat attempt timeout (ms) a replica uses now for `model`; NaN before it has one. */
export function chatTimeoutMs(metrics: MetricsScrape, model = 'gpt-4o-mini'): number {
  const forModel = metrics.get('levee_adaptive_timeout_seconds', { dependency: 'llm', operation: 'chat', model });
  const value = Number.isNaN(forModel) ? metrics.get('levee_adaptive_timeout_seconds', { dependency: 'llm', operation: 'chat', model: '_other' }) : forModel;
  return value * 1000;
}
