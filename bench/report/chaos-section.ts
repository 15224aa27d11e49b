/** The chaos part of report.md: a summary, then per scenario its assertions and timeline. */
import type { ChaosResult, ChaosResults } from '../results.ts';
import { sampleInterval, successRate, timelineSpec } from './chaos-plots.ts';
import { count, fixed, mark, slug, table } from './markdown.ts';
import { embed } from './plot.ts';
import type { PlotRequest, Section } from './plot.ts';

function passedText(result: ChaosResult): string {
  if (result.assertions.length === 0) return '— none recorded';
  const passed = result.assertions.filter((assertion) => assertion.passed).length;
  return `${mark(passed === result.assertions.length)} ${passed}/${result.assertions.length}`;
}

/** A few figures read off the samples, so the table and the chart can be checked against each other. */
function observed(result: ChaosResult): string {
  const { samples, fault } = result;
  if (samples.length === 0) return 'No samples were recorded.';
  const during = samples.filter((sample) => sample.t >= fault.start && sample.t < fault.end);
  const rated = samples.map((sample) => ({ t: sample.t, rate: successRate(sample) })).filter((row) => row.rate !== null);
  const lowest = rated.reduce<{ t: number; rate: number | null } | undefined>((low, row) => (!low || (row.rate ?? 0) < (low.rate ?? 0) ? row : low), undefined);
  const states = new Set(samples.flatMap((sample) => Object.values(sample.breaker)));
  const parts = [
    `${samples.length} samples, every ${sampleInterval(samples)} s`,
    lowest ? `lowest client success ${fixed(lowest.rate, 1)}% at t = ${lowest.t} s` : 'no requests recorded',
    `${count(during.reduce((sum, sample) => sum + sample.upstreamAttempts, 0))} upstream attempts during the fault${perProvider(during)}`,
    `breaker states seen: ${[...states].join(', ') || 'none'}`,
  ];
  return `${parts.join('; ')}.`;
}

/** ` (primary 12, secondary 140)` when the samples count attempts per provider, else nothing. */
function perProvider(samples: ChaosResult['samples']): string {
  const totals: Record<string, number> = {};
  for (const sample of samples) for (const [provider, attempts] of Object.entries(sample.upstreamAttemptsByProvider ?? {})) totals[provider] = (totals[provider] ?? 0) + attempts;
  const parts = Object.entries(totals).map(([provider, attempts]) => `${provider} ${count(attempts)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function scenarioMarkdown(result: ChaosResult, plot: string): string {
  const { fault } = result;
  return [
    `### ${result.title}`,
    '',
    `Scenario \`${result.scenario}\`, variant **${result.variant}**. Fault from ${fault.start} s to ${fault.end} s: ${fault.label}.`,
    '',
    observed(result),
    '',
    table(
      ['Passed', 'Assertion', 'Detail'],
      result.assertions.map((assertion) => [mark(assertion.passed), assertion.name, assertion.detail]),
    ),
    '',
    embed(plot, `${result.title}: timeline`),
  ].join('\n');
}

/** The chaos section: a summary table, then one subsection and timeline per scenario. */
export function chaosSection(results: ChaosResults): Section {
  const plots: PlotRequest[] = [];
  const used = new Set<string>();
  const parts = [
    '## Chaos scenarios',
    '',
    table(
      ['Scenario', 'Title', 'Variant', 'Fault (s)', 'Assertions passed'],
      results.results.map((result) => [result.scenario, result.title, result.variant, `${result.fault.start}–${result.fault.end}`, passedText(result)]),
    ),
    '',
    'Each timeline shares one time axis: client success rate, client p50/p99 latency, breaker state per Levee instance,',
    'attempts that reached the upstream per interval, and the adaptive timeout when the scenario records it; a scenario',
    'with several providers also shows each provider\'s breaker, share of the answers and attempts, and the client answers',
    'by status. The fault window is shaded red (outlined on the breaker strip).',
  ];
  for (const result of results.results) {
    let name = `chaos-${slug(result.scenario)}`;
    for (let i = 2; used.has(name); i++) name = `chaos-${slug(result.scenario)}-${i}`;
    used.add(name);
    plots.push({ name, spec: timelineSpec(result) });
    parts.push('', scenarioMarkdown(result, name));
  }
  return { markdown: parts.join('\n'), plots };
}
