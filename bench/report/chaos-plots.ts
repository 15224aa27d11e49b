/**
 * The chaos timeline: panels stacked on one time axis (client success rate, client answers by
 * status when recorded, client latency, breaker state per instance (and provider), each
 * provider's share of the 200s when there are several, upstream attempts (per provider when there
 * are several), adaptive timeout when recorded), each with the fault window shaded.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChaosResult, ChaosSample } from '../results.ts';

const WIDTH = 820;
const FAULT_FILL = '#d62728';
const STATES = ['closed', 'half_open', 'open', 'isolated'];
const STATE_COLOURS = ['#2ca02c', '#f2b701', '#d62728', '#7f7f7f'];
/** Above this max/min ratio of the plotted latencies the latency axis turns logarithmic. */
const LOG_SPREAD = 50;
const PROVIDER_COLOURS = ['#1f77b4', '#ff7f0e', '#17becf', '#bcbd22', '#e377c2', '#8c564b'];

/** 200 green, 429 orange, 502 red, 503 purple, other 4xx / 5xx brown / dark red, no answer grey. */
function statusColour(status: string): string {
  const known: Record<string, string> = { '200': '#2ca02c', '429': '#ff7f0e', '502': '#d62728', '503': '#9467bd', error: '#7f7f7f' };
  return known[status] ?? (status.startsWith('4') ? '#8c564b' : status.startsWith('5') ? '#a11d1d' : '#7f7f7f');
}

/** Rows for stacked bars drawn as rects: per sample, each key's count stacked from 0 (or as % of the sample's total). */
function stacked(
  samples: ChaosSample[],
  dt: number,
  counts: (sample: ChaosSample) => Record<string, number> | undefined,
  keys: string[],
  asShare = false,
): Array<{ t: number; t2: number; key: string; value: number; y: number; y2: number }> {
  return samples.flatMap((sample) => {
    const row = counts(sample) ?? {};
    const total = keys.reduce((sum, key) => sum + (row[key] ?? 0), 0);
    if (asShare && total === 0) return [];
    let base = 0;
    return keys.flatMap((key) => {
      const value = asShare ? (100 * (row[key] ?? 0)) / total : (row[key] ?? 0);
      if (value === 0) return [];
      const rect = { t: sample.t, t2: sample.t + dt, key, value: Math.round(value * 10) / 10, y: base, y2: base + value };
      base += value;
      return [rect];
    });
  });
}

/** Every key of `counts` over the samples, in first-seen order (`sort` orders them instead). */
function keysOf(samples: ChaosSample[], counts: (sample: ChaosSample) => Record<string, number> | undefined, sort?: (a: string, b: string) => number): string[] {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(counts(sample) ?? {})))];
  return sort ? keys.sort(sort) : keys;
}

/** `a` → `instance a`; `a/primary` → `instance a, llm/primary`. */
function breakerLabel(key: string): string {
  const [instance, provider] = key.split('/');
  return provider === undefined ? `instance ${instance}` : `instance ${instance}, llm/${provider}`;
}

/** The sampling interval: the median gap between samples (1 s when there are fewer than two). */
export function sampleInterval(samples: ChaosSample[]): number {
  const gaps = samples.slice(1).map((sample, i) => sample.t - (samples[i]?.t ?? 0)).filter((gap) => gap > 0).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 1;
}

/** Client success rate in % for one sample, null when nothing was sent. */
export function successRate(sample: ChaosSample): number | null {
  const total = sample.ok + sample.failed;
  return total > 0 ? (100 * sample.ok) / total : null;
}

/** 1-2-5 ticks covering the values, for a log axis that would otherwise draw every minor line. */
function logTicks(values: number[]): number[] {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(low)); decade <= high * 10; decade *= 10) {
    for (const step of [1, 2, 5]) if (decade * step >= low / 2 && decade * step <= high * 2) ticks.push(decade * step);
  }
  return ticks;
}

interface Panel {
  title: string;
  height: number;
  layer: object[];
  resolve?: object;
}

export function timelineSpec(result: ChaosResult): TopLevelSpec {
  const { samples, fault } = result;
  const dt = sampleInterval(samples);
  const tMax = Math.max(fault.end, ...samples.map((sample) => sample.t + dt));
  const xScale = { domain: [0, tMax], nice: false, zero: true };
  const x = (title: string | null) => ({ field: 't', type: 'quantitative', scale: xScale, title, axis: { tickMinStep: 1 } });

  /** The shaded fault window; `withLabel` adds the label at the top of the panel. */
  const faultLayers = (withLabel: boolean): object[] => {
    const data = { values: [{ start: fault.start, end: fault.end, middle: (fault.start + fault.end) / 2, label: `fault: ${fault.label}` }] };
    const band = {
      data,
      mark: { type: 'rect', color: FAULT_FILL, opacity: 0.13 },
      encoding: { x: { field: 'start', type: 'quantitative', scale: xScale }, x2: { field: 'end' } },
    };
    if (!withLabel) return [band];
    const text = {
      data,
      mark: { type: 'text', color: '#a11d1d', fontSize: 12, fontWeight: 'bold', baseline: 'top', dy: 4 },
      encoding: { x: { field: 'middle', type: 'quantitative', scale: xScale }, y: { value: 0 }, text: { field: 'label' } },
    };
    return [band, text];
  };

  const rates = samples.map((sample) => ({ t: sample.t, rate: successRate(sample) })).filter((row) => row.rate !== null);
  const latencies = samples.flatMap((sample) => [
    { t: sample.t, series: 'p50', ms: sample.latencyP50Ms },
    { t: sample.t, series: 'p99', ms: sample.latencyP99Ms },
  ]).filter((row): row is { t: number; series: string; ms: number } => row.ms !== null && row.ms > 0);
  const latencyValues = latencies.map((row) => row.ms);
  const logLatency = latencyValues.length > 0 && Math.max(...latencyValues) / Math.min(...latencyValues) > LOG_SPREAD;
  const states = samples.flatMap((sample) =>
    Object.entries(sample.breaker).map(([instance, state]) => ({ t: sample.t, t2: sample.t + dt, instance: breakerLabel(instance), state })),
  );
  const providers = keysOf(samples, (sample) => sample.upstreamAttemptsByProvider ?? sample.servedBy);
  const providerColours = { domain: providers, range: providers.map((_, i) => PROVIDER_COLOURS[i % PROVIDER_COLOURS.length]!) };
  const attempts = samples.map((sample) => ({ t: sample.t, t2: sample.t + dt, attempts: sample.upstreamAttempts }));
  const attemptsByProvider = stacked(samples, dt, (sample) => sample.upstreamAttemptsByProvider, providers);
  const statusKeys = keysOf(samples, (sample) => sample.statuses, (a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const statuses = stacked(samples, dt, (sample) => sample.statuses, statusKeys);
  const shares = stacked(samples, dt, (sample) => sample.servedBy, providers, true);
  const timeouts = samples.flatMap((sample) =>
    Object.entries(sample.adaptiveTimeoutMs ?? {}).map(([instance, ms]) => ({ t: sample.t, instance: `instance ${instance}`, ms })),
  );

  const panels: Panel[] = [
    {
      title: 'Client success rate',
      height: 150,
      layer: [
        ...faultLayers(true),
        {
          data: { values: rates },
          mark: { type: 'line', point: { size: 18 }, color: '#1f77b4', strokeWidth: 2 },
          // Headroom above 100% keeps the fault label clear of a line that stays at 100.
          encoding: {
            x: x(null),
            y: { field: 'rate', type: 'quantitative', title: 'Success (%)', scale: { domain: [0, 118] }, axis: { values: [0, 20, 40, 60, 80, 100] } },
          },
        },
      ],
    },
    ...(statusKeys.length > 0
      ? [
          {
            title: `Client answers by status, per ${dt} s interval`,
            height: 120,
            layer: [
              ...faultLayers(false),
              {
                data: { values: statuses },
                mark: { type: 'rect', stroke: 'white', strokeWidth: 0.3 },
                encoding: {
                  x: x(null),
                  x2: { field: 't2' },
                  y: { field: 'y', type: 'quantitative', title: 'Answers' },
                  y2: { field: 'y2' },
                  color: { field: 'key', type: 'nominal', title: 'Status', scale: { domain: statusKeys, range: statusKeys.map(statusColour) } },
                },
              },
            ],
          },
        ]
      : []),
    {
      title: 'Client latency',
      height: 150,
      layer: [
        ...faultLayers(false),
        {
          data: { values: latencies },
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: x(null),
            y: {
              field: 'ms',
              type: 'quantitative',
              title: logLatency ? 'ms (log scale)' : 'ms',
              scale: logLatency ? { type: 'log' } : {},
              axis: logLatency ? { values: logTicks(latencyValues) } : {},
            },
            color: { field: 'series', type: 'nominal', title: 'Client latency', scale: { domain: ['p50', 'p99'], range: ['#1f77b4', '#9467bd'] } },
          },
        },
      ],
    },
    {
      title: 'Breaker state per Levee instance',
      height: Math.max(56, 28 * new Set(states.map((row) => row.instance)).size),
      layer: [
        {
          data: { values: states },
          mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x: x(null),
            x2: { field: 't2' },
            y: { field: 'instance', type: 'nominal', title: null, axis: { labelLimit: 240 } },
            color: {
              field: 'state',
              type: 'nominal',
              title: 'Breaker state',
              scale: { domain: STATES, range: STATE_COLOURS },
              legend: { columns: 2, columnPadding: 12 },
            },
          },
        },
        ...faultLayers(false).map((layer) => ({ ...layer, mark: { type: 'rect', fill: null, stroke: FAULT_FILL, strokeDash: [4, 3], strokeWidth: 1.5 } })),
      ],
    },
    ...(shares.length > 0
      ? [
          {
            title: `Traffic share per provider: which provider served the 200s, per ${dt} s interval`,
            height: 120,
            layer: [
              {
                data: { values: shares },
                mark: { type: 'rect', opacity: 0.85 },
                encoding: {
                  x: x(null),
                  x2: { field: 't2' },
                  y: { field: 'y', type: 'quantitative', title: 'Share (%)', scale: { domain: [0, 100] } },
                  y2: { field: 'y2' },
                  color: { field: 'key', type: 'nominal', title: 'Served by', scale: providerColours },
                },
              },
              ...faultLayers(false),
            ],
          },
        ]
      : []),
    {
      title: `Attempts that reached the upstream${providers.length > 0 ? ' per provider' : ''}, per ${dt} s interval`,
      height: 120,
      // The band goes over the bars here, or they would hide it.
      layer: [
        providers.length > 0
          ? {
              data: { values: attemptsByProvider },
              mark: { type: 'rect', opacity: 0.85, stroke: 'white', strokeWidth: 0.3 },
              encoding: {
                x: x(timeouts.length > 0 ? null : 'Seconds since start'),
                x2: { field: 't2' },
                y: { field: 'y', type: 'quantitative', title: 'Attempts' },
                y2: { field: 'y2' },
                color: { field: 'key', type: 'nominal', title: 'Provider', scale: providerColours },
              },
            }
          : {
              data: { values: attempts },
              mark: { type: 'rect', color: '#8c564b', opacity: 0.8 },
              encoding: {
                x: x(timeouts.length > 0 ? null : 'Seconds since start'),
                x2: { field: 't2' },
                y: { field: 'attempts', type: 'quantitative', title: 'Attempts' },
              },
            },
        ...faultLayers(false),
      ],
    },
  ];
  if (timeouts.length > 0) {
    panels.push({
      title: 'LLM adaptive timeout per instance',
      height: 120,
      layer: [
        ...faultLayers(false),
        {
          data: { values: timeouts },
          mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
          encoding: {
            x: x('Seconds since start'),
            y: { field: 'ms', type: 'quantitative', title: 'ms' },
            color: { field: 'instance', type: 'nominal', title: 'Timeout', scale: { range: ['#17becf', '#bcbd22', '#e377c2'] } },
          },
        },
      ],
    });
  }

  return {
    title: {
      text: `${result.title} (${result.scenario}, ${result.variant})`,
      subtitle: `Shaded: fault window ${fault.start}–${fault.end} s (${fault.label}); sampled every ${dt} s`,
    },
    vconcat: panels.map(({ title, ...panel }) => ({ width: WIDTH, title: { text: title, fontSize: 13, fontWeight: 'bold', anchor: 'start' }, ...panel })),
    spacing: 14,
    resolve: { scale: { color: 'independent', y: 'independent' }, legend: { color: 'independent' } },
  } as TopLevelSpec;
}
