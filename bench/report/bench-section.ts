/** The benchmark part of report.md: targets, one table and chart per scenario, micro, streams. */
import type { BenchResults, BenchTarget, ScenarioResult, TargetCheck } from '../results.ts';
import { baselineFor, latencySpec, throughputSpec } from './bench-plots.ts';
import { count, fixed, mark, ms, signedMs, slug, table } from './markdown.ts';
import { embed } from './plot.ts';
import type { PlotRequest, Section } from './plot.ts';

const TARGET_ORDER: BenchTarget[] = ['baseline', 'levee', 'levee-sampled', 'levee-redis', 'portkey'];

/** A measured figure or limit: up to four significant digits, no trailing zeros. */
function figure(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : '—';
}

/** The targets table, with the profile notes after it when a target was missed. */
function targetsMarkdown(targets: TargetCheck[], profileNotes?: string): string {
  const missed = targets.filter((target) => !target.met).length;
  const lines = [
    '## Targets',
    '',
    missed === 0 ? `All ${targets.length} targets met.` : `${targets.length - missed} of ${targets.length} targets met; ${missed} missed.`,
    '',
    table(
      ['Target', 'Measured', 'Limit', 'Met', 'Note'],
      targets.map((target) => [
        target.name,
        `${figure(target.measured)} ${target.unit}`,
        `${figure(target.limit)} ${target.unit}`,
        mark(target.met),
        target.note ?? '',
      ]),
      ['l', 'r', 'r', 'l', 'l'],
    ),
  ];
  if (profileNotes?.trim()) lines.push('', '### Where the time goes (profile notes)', '', profileNotes.trim());
  return lines.join('\n');
}

/** Scenario names in first-seen order, each with its rows sorted by level then target. */
function byScenario(scenarios: ScenarioResult[]): Map<string, ScenarioResult[]> {
  const groups = new Map<string, ScenarioResult[]>();
  for (const row of scenarios) groups.set(row.scenario, [...(groups.get(row.scenario) ?? []), row]);
  for (const [name, rows] of groups) {
    const levels = [...new Set(rows.map((row) => row.level))];
    groups.set(name, [...rows].sort((a, b) => levels.indexOf(a.level) - levels.indexOf(b.level) || TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target)));
  }
  return groups;
}

/** "3 runs" or "2–3 runs" across the rows of a scenario. */
function runsText(rows: ScenarioResult[]): string {
  const counts = rows.map((row) => row.runs.length);
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  return low === high ? `${low} run${low === 1 ? '' : 's'}` : `${low}–${high} runs`;
}

function scenarioTable(rows: ScenarioResult[]): string {
  const body = rows.map((row) => {
    const reference = baselineFor(rows, row);
    const baseline = row.target === 'baseline' ? undefined : reference;
    const { median } = row;
    const ratio = reference && reference.median.throughput > 0 ? median.throughput / reference.median.throughput : null;
    return [
      row.target,
      row.level,
      count(median.throughput),
      ratio === null ? '—' : `${fixed(ratio, 2)}×`,
      ms(median.latencyMs.p50),
      ms(median.latencyMs.p95),
      ms(median.latencyMs.p99),
      ms(median.latencyMs.p999),
      baseline ? signedMs(median.latencyMs.p50 - baseline.median.latencyMs.p50) : '—',
      baseline ? signedMs(median.latencyMs.p99 - baseline.median.latencyMs.p99) : '—',
      fixed(median.cpuPercent, 0),
      fixed(median.rssMiB, 0),
      count(median.errors),
    ];
  });
  return table(
    ['Target', 'Level', 'Throughput (req/s)', '÷ baseline', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'p99.9 (ms)', 'Added p50 (ms)', 'Added p99 (ms)', 'CPU (%)', 'RSS (MiB)', 'Errors'],
    body,
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function scenariosMarkdown(groups: Map<string, ScenarioResult[]>, plots: PlotRequest[]): string {
  const parts = [
    '## Scenarios',
    '',
    'Each figure is the median of the runs. "Added" latency is Levee − baseline at the same level; "÷ baseline" is throughput over',
    "baseline's at the same level (— where there is no baseline row). CPU is % of one core; RSS is the peak.",
  ];
  for (const [name, rows] of groups) {
    const plot = `latency-${slug(name)}`;
    plots.push({ name: plot, spec: latencySpec(name, rows) });
    parts.push('', `### ${name}`, '', `Medians of ${runsText(rows)} per row.`, '', scenarioTable(rows), '', embed(plot, `${name}: latency percentiles per target`));
  }
  return parts.join('\n');
}

function microMarkdown(results: BenchResults): string {
  const { micro, concurrentStreams: streams } = results;
  const extra = streams.rssMiB - streams.baselineRssMiB;
  return [
    '## Microbenchmark: the resilience pipeline',
    '',
    `A no-op async call, bare, wrapped in the policies (bulkhead, gate, retry, breaker, adaptive timeout), and wrapped in the policies with their telemetry (call and attempt spans, counters, exemplar histograms) as Levee runs them; ${count(micro.calls)} calls each.`,
    '',
    table(
      ['Bare async (µs/call)', 'Policies (µs/call)', 'Overhead (µs/call)', 'Policies + telemetry (µs/call)', 'Calls'],
      [[fixed(micro.bareAsyncUs, 2), fixed(micro.pipelineUs, 2), fixed(micro.overheadUs, 2), fixed(micro.instrumentedUs, 2), count(micro.calls)]],
      ['r', 'r', 'r', 'r', 'r'],
    ),
    '',
    '## Concurrent streams',
    '',
    `RSS with ${count(streams.streams)} streams open, against the same process idle (Levee's own process, the embedded Postgres child apart; each measured fresh).`,
    '',
    table(
      ['Process', 'Streams', 'RSS with streams (MiB)', 'Idle RSS (MiB)', 'Difference (MiB)', 'Per stream (KiB)'],
      [
        ['Levee', count(streams.streams), fixed(streams.rssMiB, 1), fixed(streams.baselineRssMiB, 1), fixed(extra, 1), streams.streams > 0 ? fixed((extra * 1024) / streams.streams, 1) : '—'],
        ...(streams.proxyRssMiB !== undefined && streams.proxyIdleRssMiB !== undefined
          ? [['bare proxy', count(streams.streams), fixed(streams.proxyRssMiB, 1), fixed(streams.proxyIdleRssMiB, 1), fixed(streams.proxyRssMiB - streams.proxyIdleRssMiB, 1), streams.streams > 0 ? fixed(((streams.proxyRssMiB - streams.proxyIdleRssMiB) * 1024) / streams.streams, 1) : '—']]
          : []),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n');
}

/** Levee's extra CPU per proxied chat, part by part, each measured by turning that part off. */
function breakdownMarkdown(breakdown: NonNullable<BenchResults['cpuBreakdown']>): string {
  const extra = breakdown.allOnUsPerCall - breakdown.baselineUsPerCall;
  const parts = breakdown.rows.slice(0, -1);
  const allOff = breakdown.rows.at(-1)!;
  const sumOfParts = parts.reduce((sum, row) => sum + row.costUs, 0);
  return [
    '## CPU per proxied call, part by part',
    '',
    `Non-streaming chat at full speed: a Levee with every part on, and per variant a fresh Levee with one part off, measured in turn, ${breakdown.runs} pair${breakdown.runs === 1 ? '' : 's'} of ${breakdown.runSeconds} s runs each (the bare proxy the same way). ` +
      `The bare proxy: ${fixed(breakdown.baselineUsPerCall, 0)} µs of CPU per call; Levee with every part on: ${fixed(breakdown.allOnUsPerCall, 0)} µs, so ${fixed(extra, 0)} µs extra. ` +
      `A part's cost is the all-on runs' median minus the variant's, from the same pairs; on two shared cores each figure moves by several µs from run to run, so small or negative costs are noise. ` +
      `The parts add up to ${fixed(sumOfParts, 0)} µs; with all of them off at once Levee still spends ${fixed(allOff.cpuUsPerCall, 0)} µs (${fixed(allOff.cpuUsPerCall - breakdown.baselineUsPerCall, 0)} µs over the proxy): ` +
      'the request frame, deadline, policies, the routed call, and parsing and re-serialising both bodies.',
    '',
    table(
      ['Part turned off', 'How', 'µs/call without it', 'Cost (µs/call)', 'Runs (µs/call)', 'Throughput (req/s)'],
      [
        ['none (all on)', "the bench's user defaults", fixed(breakdown.allOnUsPerCall, 0), '—', '', ''],
        ...breakdown.rows.map((row) => [row.part, row.how, fixed(row.cpuUsPerCall, 0), fixed(row.costUs, 0), row.runsUs.map((us) => fixed(us, 0)).join(' / '), count(row.throughput)]),
      ],
      ['l', 'l', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n');
}

/** The bench section, after the header: targets, scenarios with charts, throughput chart, micro. */
export function benchSection(results: BenchResults): Section {
  const plots: PlotRequest[] = [];
  const groups = byScenario(results.scenarios);
  const parts = [targetsMarkdown(results.targets, results.profileNotes)];
  if (results.scenarios.length > 0) {
    parts.push(scenariosMarkdown(groups, plots));
    plots.push({ name: 'throughput', spec: throughputSpec(results.scenarios) });
    parts.push(['## Throughput across scenarios', '', embed('throughput', 'Throughput relative to baseline per scenario')].join('\n'));
  }
  if (results.cpuBreakdown) parts.push(breakdownMarkdown(results.cpuBreakdown));
  parts.push(microMarkdown(results));
  return { markdown: parts.join('\n\n'), plots };
}
