/**
 * Small time-series charts drawn by uPlot on a canvas. A canvas says nothing to a screen reader, so
 * each chart carries a text alternative: an aria-label with the latest figures, and a visually
 * hidden table of now and peak per series. Lines differ by dash as well as by colour, and the
 * legend is ours (uPlot's toggles series on a click no keyboard can reach).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { formatDecimal, formatTimeOfDay } from './format.mjs';
import { html } from './html.mjs';
import { CHART_SPAN_MS, latestAndPeak } from './rates.mjs';

const HEIGHT_PX = 150;
const DASHES = [[], [6, 3], [2, 3], [10, 4, 2, 4], [1, 5], [14, 4]];
/** `--series-1` … `--series-6` in console.css. */
const SERIES_COLOURS = 6;

/** A canvas does not follow CSS: a chart is redrawn in new colours when the colour scheme changes. */
function useColorScheme() {
  const [dark, setDark] = useState(() => matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    const query = matchMedia('(prefers-color-scheme: dark)');
    const changed = () => setDark(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return dark ? 'dark' : 'light';
}

/** @param {string} name a custom property of :root */
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * @param {object} props
 * @param {string} props.id unique among the page's charts (headings and tables hang off it)
 * @param {string} props.title e.g. "Fallbacks per minute"
 * @param {number[]} props.times seconds since the epoch
 * @param {{ label: string, values: (number | null)[] }[]} props.series
 * @param {string} props.emptyText shown instead of a chart while there are no series
 */
export function TimeChart({ id, title, times, series, emptyText }) {
  const plotRef = useRef(/** @type {HTMLDivElement | null} */ (null));
  const chartRef = useRef(/** @type {uPlot | null} */ (null));
  const labels = series.map((line) => line.label).join('\n');
  const scheme = useColorScheme();

  // A new set of lines needs a new chart; new figures only need setData below.
  useEffect(() => {
    const container = plotRef.current;
    if (!container || series.length === 0) return undefined;
    const chart = new uPlot(chartOptions(series, container.clientWidth), [times, ...series.map((line) => line.values)], container);
    chartRef.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: container.clientWidth, height: HEIGHT_PX }));
    resize.observe(container);
    return () => {
      resize.disconnect();
      chart.destroy();
      chartRef.current = null;
    };
  }, [labels, scheme]);

  useEffect(() => {
    chartRef.current?.setData([times, ...series.map((line) => line.values)]);
  }, [times, series]);

  const figures = series.map((line) => ({ label: line.label, ...latestAndPeak(line.values) }));
  const summary = figures.length === 0
    ? `${title}: nothing seen yet.`
    : `${title}, last 10 minutes. ${figures.map((figure) => `${figure.label}: ${formatDecimal(figure.latest)} now, peak ${formatDecimal(figure.peak)}`).join('; ')}.`;

  return html`
    <figure class="chart" aria-labelledby=${`${id}-title`}>
      <figcaption id=${`${id}-title`} class="chart-title">${title}</figcaption>
      ${series.length === 0
        ? html`<p class="empty">${emptyText}</p>`
        : html`<div class="chart-plot" ref=${plotRef} role="img" aria-label=${summary}></div>
            <ul class="chart-legend" aria-hidden="true">
              ${figures.map((figure, i) => html`
                <li key=${figure.label}>
                  <svg class=${`series-${(i % SERIES_COLOURS) + 1}`} width="24" height="8" viewBox="0 0 24 8"><line x1="0" y1="4" x2="24" y2="4" stroke-width="2" stroke-dasharray=${DASHES[i % DASHES.length].join(' ') || 'none'} /></svg>
                  ${figure.label} <span class="muted">${formatDecimal(figure.latest)}/min</span>
                </li>`)}
            </ul>`}
      ${figures.length > 0 && html`<div class="visually-hidden"><table>
        <caption>${title}: now and peak over the last 10 minutes</caption>
        <thead><tr><th scope="col">Series</th><th scope="col">Now</th><th scope="col">Peak</th></tr></thead>
        <tbody>
          ${figures.map((figure) => html`<tr key=${figure.label}><th scope="row">${figure.label}</th><td>${formatDecimal(figure.latest)}</td><td>${formatDecimal(figure.peak)}</td></tr>`)}
        </tbody>
      </table></div>`}
    </figure>
  `;
}

/** @param {{ label: string }[]} series @param {number} width @returns {uPlot.Options} */
function chartOptions(series, width) {
  const text = cssVar('--fg-muted') || '#57606a';
  const grid = cssVar('--grid') || '#d0d7de';
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const timeAxis = { ...axis, values: (/** @type {uPlot} */ _chart, /** @type {number[]} */ ticks) => ticks.map((tick) => formatTimeOfDay(tick * 1_000)) };
  return {
    width,
    height: HEIGHT_PX,
    cursor: { drag: { x: false, y: false } },
    legend: { show: false },
    scales: {
      // Always the last 10 minutes, filling from the right as polls arrive.
      x: { time: true, range: () => { const now = Date.now() / 1_000; return [now - CHART_SPAN_MS / 1_000, now]; } },
      y: { range: (_chart, _min, max) => [0, Math.max(1, (max ?? 0) * 1.15)] },
    },
    axes: [timeAxis, { ...axis, size: 44, values: (_chart, ticks) => ticks.map((tick) => formatDecimal(tick)) }],
    series: [
      {},
      ...series.map((line, i) => ({
        label: line.label,
        stroke: cssVar(`--series-${(i % SERIES_COLOURS) + 1}`) || '#0b5cd5',
        width: 2,
        dash: DASHES[i % DASHES.length],
        points: { show: false },
      })),
    ],
  };
}
