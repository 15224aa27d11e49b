/**
 * The routing section: each deployment's share of its model's traffic, and requests, fallbacks and
 * hedges per minute over the last 10 minutes, computed from successive polls of Levee's
 * cumulative counters (so the charts start empty and fill as the page stays open).
 */
import { useMemo } from 'preact/hooks';
import { TimeChart } from '../charts.mjs';
import { routeOf } from '../console-state.mjs';
import { formatInteger, formatPercent } from '../format.mjs';
import { html } from '../html.mjs';
import { observedCounts, perMinuteSeries } from '../rates.mjs';
import { Section } from './parts.mjs';

/**
 * @param {object} props
 * @param {any} props.routing the state's `routing`, or undefined before the first poll
 * @param {import('../console-state.mjs').RoutingSample[]} props.samples oldest first
 */
export function RoutingView({ routing, samples }) {
  const charts = useMemo(() => {
    const routed = perMinuteSeries(samples, (sample) => sample.routed);
    const fallbacks = perMinuteSeries(samples, (sample) => sample.fallbacks);
    const hedges = perMinuteSeries(samples, (sample) => sample.hedges);
    const routeLabel = (/** @type {string} */ key) => {
      const { model, provider } = routeOf(key);
      return `${provider} (${model})`;
    };
    return [
      { id: 'chart-routed', title: 'Requests per minute by deployment', emptyText: 'No requests routed yet.', times: routed.times, series: routed.series.map((line) => ({ label: routeLabel(line.key), values: line.values })) },
      { id: 'chart-fallbacks', title: 'Fallbacks per minute', emptyText: 'No fallbacks yet.', times: fallbacks.times, series: fallbacks.series.map((line) => ({ label: line.key, values: line.values })) },
      { id: 'chart-hedges', title: 'Hedges per minute', emptyText: 'No hedges yet.', times: hedges.times, series: hedges.series.map((line) => ({ label: line.key, values: line.values })) },
    ];
  }, [samples]);
  const share = useMemo(() => observedCounts(samples, (sample) => sample.routed), [samples]);

  return html`
    <${Section} id="routing" title="Routing">
      <${TrafficShare} counts=${share.counts} sinceStart=${share.sinceStart} models=${routing?.models ?? {}} />
      <div class="charts">
        ${charts.map((chart) => html`<${TimeChart} key=${chart.id} ...${chart} />`)}
      </div>
    <//>
  `;
}

/**
 * @param {{ counts: Record<string, number>, sinceStart: boolean, models: Record<string, { deployments_available?: number }> }} props
 */
function TrafficShare({ counts, sinceStart, models }) {
  /** @type {Map<string, { provider: string, count: number }[]>} */
  const byModel = new Map(Object.keys(models).map((model) => [model, []]));
  for (const [key, count] of Object.entries(counts)) {
    const { model, provider } = routeOf(key);
    byModel.set(model, [...(byModel.get(model) ?? []), { provider, count }]);
  }
  const caption = sinceStart ? 'Traffic share per deployment, since Levee started' : 'Traffic share per deployment, since this page opened (up to 10 minutes)';
  if (byModel.size === 0) return html`<p class="empty">No models routed yet.</p>`;
  // One group of rows per model, headed by the model: three columns fit a phone.
  return html`
    <table class="share">
      <caption>${caption}</caption>
      <thead><tr><th scope="col">Deployment</th><th scope="col" class="number">Requests</th><th scope="col">Share</th></tr></thead>
      ${[...byModel].map(([model, deployments]) => {
        const total = deployments.reduce((sum, deployment) => sum + deployment.count, 0);
        const available = models[model]?.deployments_available;
        return html`
          <tbody key=${model}>
            <tr class="share-model">
              <th scope="colgroup" colspan="3">${model}${available != null && html`<span class="muted"> · ${formatInteger(available)} ${available === 1 ? 'deployment' : 'deployments'} available</span>`}</th>
            </tr>
            ${deployments.length === 0
              ? html`<tr><td colspan="3" class="muted">No traffic yet</td></tr>`
              : deployments.sort((a, b) => b.count - a.count).map((deployment) => {
                  const ratio = total > 0 ? deployment.count / total : 0;
                  return html`
                    <tr key=${deployment.provider}>
                      <th scope="row">${deployment.provider}</th>
                      <td class="number">${formatInteger(deployment.count)}</td>
                      <td><span class="share-bar" aria-hidden="true"><span style=${{ width: `${Math.round(ratio * 100)}%` }}></span></span> ${formatPercent(ratio)}</td>
                    </tr>
                  `;
                })}
          </tbody>
        `;
      })}
    </table>
  `;
}
