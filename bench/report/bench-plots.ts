/** Vega-Lite specs for the benchmark: latency percentiles per scenario, throughput vs baseline. */
import type { TopLevelSpec } from 'vega-lite';
import type { BenchTarget, ScenarioResult } from '../results.ts';

/** The fixed order and colour of the targets in every bench chart. */
const TARGETS: BenchTarget[] = ['baseline', 'levee', 'levee-redis', 'portkey'];
const TARGET_COLOURS = ['#9e9e9e', '#1f77b4', '#ff7f0e', '#2ca02c'];
const PERCENTILES = ['p50', 'p95', 'p99', 'p99.9'];

/** Above this max/min ratio of the plotted latencies the y axis turns logarithmic. */
const LOG_SPREAD = 20;

/** Colour by target: the same colour for a target in every chart, only the targets present in the legend. */
function targetColour(rows: ScenarioResult[]) {
  const present = TARGETS.filter((target) => rows.some((row) => row.target === target));
  const range = present.map((target) => TARGET_COLOURS[TARGETS.indexOf(target)] ?? '#000000');
  return { field: 'target', type: 'nominal', title: 'Target', scale: { domain: present, range } } as const;
}

/** The baseline row at the same level, if the scenario has one. */
export function baselineFor(rows: ScenarioResult[], row: ScenarioResult): ScenarioResult | undefined {
  return rows.find((other) => other.target === 'baseline' && other.scenario === row.scenario && other.level === row.level);
}

/** Levels in first-seen order. */
function levelsOf(rows: ScenarioResult[]): string[] {
  return [...new Set(rows.map((row) => row.level))];
}

/**
 * Grouped bars of the median p50/p95/p99/p99.9 per target, one panel per level; log y when the
 * spread is large (the tail would otherwise flatten p50 to nothing).
 */
export function latencySpec(scenario: string, rows: ScenarioResult[]): TopLevelSpec {
  const values = rows.flatMap((row) => {
    const { p50, p95, p99, p999 } = row.median.latencyMs;
    return [p50, p95, p99, p999].map((latency, i) => ({ target: row.target, level: row.level, percentile: PERCENTILES[i], ms: latency }));
  });
  const positive = values.map((value) => value.ms).filter((value) => value > 0);
  const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) > LOG_SPREAD;
  // Bars need a base: on a log scale zero does not exist, so they start at the decade below the minimum.
  const logFloor = log ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 0;
  const levels = levelsOf(rows);
  const inner = {
    width: levels.length > 1 ? 380 : 620,
    height: 300,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'percentile', type: 'ordinal', sort: PERCENTILES, title: 'Percentile', axis: { labelAngle: 0 } },
      xOffset: { field: 'target', type: 'nominal', sort: TARGETS },
      y: {
        field: 'ms',
        type: 'quantitative',
        title: log ? 'Latency (ms, log scale)' : 'Latency (ms)',
        scale: log ? { type: 'log', domainMin: logFloor } : { zero: true },
      },
      ...(log ? { y2: { datum: logFloor } } : {}),
      color: targetColour(rows),
    },
  } as const;
  const title = {
    text: `${scenario}: latency percentiles (median of runs)`,
    subtitle: levels.length > 1 ? 'one panel per load level' : `load: ${levels[0] ?? ''}`,
  };
  if (levels.length <= 1) return { title, data: { values }, ...inner } as TopLevelSpec;
  return {
    title,
    data: { values },
    facet: { column: { field: 'level', type: 'nominal', sort: levels, title: 'Load level' } },
    spec: inner,
  } as TopLevelSpec;
}

/** One bar group per scenario × level that has a baseline row; the rest are listed in the subtitle. */
export function throughputSpec(rows: ScenarioResult[]): TopLevelSpec {
  const values: { group: string; target: string; ratio: number; label: string }[] = [];
  const withoutBaseline = new Set<string>();
  const groups: string[] = [];
  for (const row of rows) {
    const baseline = baselineFor(rows, row);
    if (!baseline || baseline.median.throughput <= 0) {
      withoutBaseline.add(row.scenario);
      continue;
    }
    // One line per part, so long level names wrap under the bars instead of being cut.
    const group = [row.scenario, ...row.level.split(/ (?=\()/)].join('\n');
    if (!groups.includes(group)) groups.push(group);
    const ratio = row.median.throughput / baseline.median.throughput;
    values.push({ group, target: row.target, ratio, label: `${ratio.toFixed(2)}×` });
  }
  const subtitle = ['Median throughput ÷ baseline throughput at the same load level (1.0 = baseline)'];
  if (withoutBaseline.size > 0) subtitle.push(`Not shown (no baseline row): ${[...withoutBaseline].join(', ')}`);
  const x = {
    field: 'group',
    type: 'nominal',
    sort: groups,
    title: 'Scenario / load level',
    axis: { labelAngle: 0, labelExpr: "split(datum.label, '\\n')", labelLimit: 180 },
  } as const;
  return {
    title: { text: 'Throughput relative to baseline', subtitle },
    width: Math.max(560, groups.length * 150),
    height: 320,
    data: { values },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x,
          xOffset: { field: 'target', type: 'nominal', sort: TARGETS },
          y: { field: 'ratio', type: 'quantitative', title: 'Throughput ÷ baseline', scale: { zero: true } },
          color: targetColour(rows),
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10 },
        encoding: {
          x,
          xOffset: { field: 'target', type: 'nominal', sort: TARGETS },
          y: { field: 'ratio', type: 'quantitative' },
          text: { field: 'label' },
        },
      },
      {
        data: { values: [{ one: 1 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#444444' },
        encoding: { y: { field: 'one', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}
