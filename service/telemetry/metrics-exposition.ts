/**
 * Renders the registry in the format the scraper asked for: OpenMetrics (with exemplars) when
 * `Accept` names it, as Prometheus does, else the classic text format that promtool and curl
 * expect.
 *
 * prom-client switches formats per registry and, when rendering OpenMetrics, renames counters
 * in place (dropping `_total`, which it then appends per sample). Scrapes are therefore rendered
 * one at a time and counter names restored afterwards, so each format stays correct.
 */
import client from 'prom-client';
import type { Metrics } from './metrics.ts';

export interface Exposition {
  contentType: string;
  body: string;
}

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

export class MetricsExposition {
  readonly #metrics: Metrics;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  render(openMetrics: boolean): Promise<Exposition> {
    const run = this.#queue.then(() => this.#renderNow(openMetrics));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #renderNow(openMetrics: boolean): Promise<Exposition> {
    for (const refresh of this.#metrics.refreshers) refresh();
    const registry = this.#metrics.registry;
    const contentType = openMetrics ? client.Registry.OPENMETRICS_CONTENT_TYPE : client.Registry.PROMETHEUS_CONTENT_TYPE;
    const metrics = registry.getMetricsAsArray() as unknown as Array<{ name: string }>;
    const names = metrics.map((metric) => metric.name);
    registry.setContentType(contentType as never);
    try {
      return { contentType, body: await registry.metrics() };
    } finally {
      metrics.forEach((metric, index) => (metric.name = names[index]!));
    }
  }
}
