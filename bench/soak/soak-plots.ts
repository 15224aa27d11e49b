/**
 * The soak report's two charts, each a stack of panels on one time axis (minutes) with every
 * fault window shaded in its kind's colour: the process (heap after GC, RSS, open file
 * descriptors, active resources, event-loop lag p99), and the traffic (answers by status per
 * interval, the LLM breakers, Redis as Levee sees it).
 */
import type { TopLevelSpec } from 'vega-lite';
import { STATUS_INTERVAL_MS } from './analysis.ts';
import { HEAP_SAMPLE_OFFSETS_MS } from './schedule.ts';
import type { FaultKind, ResourceSample, SoakResults } from './soak-results.ts';
import type { Point } from './trends.ts';

const WIDTH = 820;
const MINUTE_MS = 60_000;
/** A series with at most this many points gets a marker on each. */
const SPARSE_POINTS = 40;
const FAULT_KINDS: FaultKind[] = ['provider-outage', 'latency-shift', 'redis-restart'];
const FAULT_COLOURS = ['#d62728', '#ff7f0e', '#9467bd'];
const STATES = ['closed', 'half_open', 'open', 'isolated'];
const STATE_COLOURS = ['#2ca02c', '#f2b701', '#d62728', '#7f7f7f'];

const minutes = (ms: number): number => Math.round((ms / MINUTE_MS) * 1000) / 1000;

interface Panel {
  title: string;
  height: number;
  layer: object[];
}

/** The shared x axis and the shaded fault windows, for every panel of one chart. */
function axisAndFaults(results: SoakResults, lastPanelTitle: string) {
  const xScale = { domain: [0, results.minutes], nice: false, zero: true };
  const x = (title: string | null) => ({ field: 'm', type: 'quantitative', scale: xScale, title, axis: { tickMinStep: 1 } });
  const faultData = { values: results.faults.map((fault) => ({ m: minutes(fault.startMs), m2: minutes(fault.endMs), kind: fault.kind, label: fault.label })) };
  const faults = (legend: boolean) => ({
    data: faultData,
    mark: { type: 'rect', opacity: 0.16 },
    encoding: {
      x: { field: 'm', type: 'quantitative', scale: xScale },
      x2: { field: 'm2' },
      color: { field: 'kind', type: 'nominal', title: 'Fault window', scale: { domain: FAULT_KINDS, range: FAULT_COLOURS }, legend: legend ? {} : null },
      tooltip: { field: 'label' },
    },
  });
  const finish = (title: string, subtitle: string, panels: Panel[]): TopLevelSpec =>
    ({
      title: { text: title, subtitle },
      vconcat: panels.map(({ title: panelTitle, ...panel }) => ({
        width: WIDTH,
        title: { text: panelTitle, fontSize: 13, fontWeight: 'bold', anchor: 'start' },
        ...panel,
        // The fault windows and the data each have a colour scale of their own.
        resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
      })),
      spacing: 14,
      resolve: { scale: { color: 'independent', y: 'independent' }, legend: { color: 'independent' } },
    }) as TopLevelSpec;
  return { x, faults, finish, xTitle: (title: string) => (title === lastPanelTitle ? 'Minutes since start' : null) };
}

/** A line panel of one series (`dots`: points alone, for readings that are not a continuous series). */
function linePanel(results: SoakResults, title: string, unit: string, points: Point[], colour: string, legend: boolean, lastTitle: string, dots = false): Panel {
  const { x, faults, xTitle } = axisAndFaults(results, lastTitle);
  const values = points.filter((point) => Number.isFinite(point.value)).map((point) => ({ m: minutes(point.t), value: point.value }));
  return {
    title,
    height: 110,
    layer: [
      faults(legend),
      {
        data: { values },
        // Points on the sparse series only (the heap's few a minute); every 5 s they would just thicken the line.
        mark: dots
          ? { type: 'point', color: colour, filled: true, size: 30 }
          : { type: 'line', color: colour, strokeWidth: 2, ...(values.length <= SPARSE_POINTS ? { point: { size: 10, color: colour } } : {}) },
        encoding: { x: x(xTitle(title)), y: { field: 'value', type: 'quantitative', title: unit, scale: { zero: false } } },
      },
    ],
  };
}

export function resourcesSpec(results: SoakResults): TopLevelSpec {
  const last = 'Event-loop lag p99 (per scrape interval)';
  const series = (pick: (sample: ResourceSample) => number | undefined): Point[] => results.samples.map((sample) => ({ t: sample.t, value: pick(sample) ?? Number.NaN }));
  const panels = [
    linePanel(results, 'Heap after a forced full GC', 'MiB', results.heap.map((sample) => ({ t: sample.t, value: sample.heapAfterGcMiB })), '#1f77b4', true, last),
    linePanel(results, 'Resident memory (RSS)', 'MiB', series((sample) => sample.rssMiB), '#8c564b', false, last),
    linePanel(results, 'Open file descriptors', 'fds', series((sample) => sample.openFds), '#2ca02c', false, last),
    linePanel(results, 'Active resources (ref\'d handles, requests, timers)', 'count', series((sample) => sample.activeResources), '#17becf', false, last),
    linePanel(results, 'How long each forced GC stopped Levee', 'ms', results.heap.map((sample) => ({ t: sample.t, value: sample.gcMs })), '#bcbd22', false, last, true),
    linePanel(results, last, 'ms', series((sample) => sample.eventLoopLagP99Ms), '#7f7f7f', false, last),
  ];
  const { finish } = axisAndFaults(results, last);
  return finish('Levee process over the soak', `Resources every ${Math.round(medianGap(results) / 1000)} s, heap after GC ${HEAP_SAMPLE_OFFSETS_MS.length} times a minute; shaded: fault windows`, panels);
}

function medianGap(results: SoakResults): number {
  const gaps = results.samples.slice(1).map((sample, index) => sample.t - results.samples[index]!.t).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

/** 2xx greens, 503 purple, 504 orange, other statuses red, no answer grey. */
function statusColour(key: string): string {
  if (key === 'no answer') return '#7f7f7f';
  if (key.endsWith('STALE')) return '#98df8a';
  if (key.startsWith('2')) return '#2ca02c';
  if (key === '503') return '#9467bd';
  if (key === '504') return '#ff7f0e';
  return '#d62728';
}

export function answersSpec(results: SoakResults): TopLevelSpec {
  const last = 'Redis as Levee sees it (/health/detailed)';
  const { x, faults, finish, xTitle } = axisAndFaults(results, last);
  const keys = [...new Set(results.statusIntervals.flatMap((interval) => Object.keys(interval.counts)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const bars = results.statusIntervals.flatMap((interval) => {
    let base = 0;
    return keys.flatMap((key) => {
      const count = interval.counts[key] ?? 0;
      if (count === 0) return [];
      const bar = { m: minutes(interval.t), m2: minutes(interval.t + STATUS_INTERVAL_MS), key, y: base, y2: base + count, count };
      base += count;
      return [bar];
    });
  });
  // The interval the traffic stopped in holds a handful of answers: left out.
  const latencies = results.statusIntervals.filter((interval) => interval.t < results.minutes * MINUTE_MS).flatMap((interval) =>
    [
      { series: 'p50', ms: interval.latencyP50Ms },
      { series: 'p99', ms: interval.latencyP99Ms },
    ].flatMap((row) => (row.ms === undefined || row.ms <= 0 ? [] : [{ m: minutes(interval.t + STATUS_INTERVAL_MS / 2), ...row }])),
  );
  const healthGap = results.health.length > 1 ? (results.health.at(-1)!.t - results.health[0]!.t) / (results.health.length - 1) : 1000;
  /** One rect per run of equal states in a row (a sample per second would draw hundreds). */
  const strip = (pick: (sample: SoakResults['health'][number]) => Array<{ row: string; state: string }>) => {
    const runs: Array<{ row: string; state: string; m: number; m2: number }> = [];
    const open = new Map<string, (typeof runs)[number]>();
    for (const sample of results.health) {
      for (const { row, state } of pick(sample)) {
        const current = open.get(row);
        const end = minutes(sample.t + healthGap);
        if (current?.state === state) current.m2 = end;
        else {
          const run = { row, state, m: current ? current.m2 : minutes(sample.t), m2: end };
          runs.push(run);
          open.set(row, run);
        }
      }
    }
    return runs;
  };
  const breakers = strip((sample) => Object.entries(sample.breakers).filter(([name]) => name.startsWith('llm/')).map(([row, state]) => ({ row, state })));
  const redis = strip((sample) => [{ row: 'redis', state: sample.redis === 'ok' && sample.localFeatures.length === 0 ? 'shared' : sample.redis === 'ok' ? 'recovering' : 'local' }]);
  const stateStrip = (title: string, values: object[], domain: string[], range: string[]): Panel => ({
    title,
    height: 56,
    layer: [
      {
        data: { values },
        mark: { type: 'rect' },
        encoding: {
          x: x(xTitle(title)),
          x2: { field: 'm2' },
          y: { field: 'row', type: 'nominal', title: null },
          color: { field: 'state', type: 'nominal', title: 'State', scale: { domain, range } },
        },
      },
      { ...faults(false), mark: { type: 'rect', fill: null, strokeDash: [4, 3], strokeWidth: 1.2, stroke: '#555555' } },
    ],
  });
  const panels: Panel[] = [
    {
      title: `Answers by status, per ${STATUS_INTERVAL_MS / 1000} s of sending`,
      height: 160,
      // The band goes over the bars, or they would hide it.
      layer: [
        {
          data: { values: bars },
          mark: { type: 'rect' },
          encoding: {
            x: x(null),
            x2: { field: 'm2' },
            y: { field: 'y', type: 'quantitative', title: 'Answers' },
            y2: { field: 'y2' },
            color: { field: 'key', type: 'nominal', title: 'Status', scale: { domain: keys, range: keys.map(statusColour) } },
          },
        },
        faults(true),
      ],
    },
    {
      title: `Answer latency, per ${STATUS_INTERVAL_MS / 1000} s of sending (batch aside)`,
      height: 120,
      layer: [
        faults(false),
        {
          data: { values: latencies },
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: x(null),
            y: { field: 'ms', type: 'quantitative', title: 'ms (log scale)', scale: { type: 'log' } },
            color: { field: 'series', type: 'nominal', title: 'Latency', scale: { domain: ['p50', 'p99'], range: ['#1f77b4', '#9467bd'] } },
          },
        },
      ],
    },
    stateStrip('LLM breaker per provider', breakers, STATES, STATE_COLOURS),
    stateStrip(last, redis, ['shared', 'recovering', 'local'], ['#2ca02c', '#f2b701', '#d62728']),
  ];
  return finish('Answers, breakers and Redis over the soak', 'Shaded (dashed in the state strips): fault windows', panels);
}
