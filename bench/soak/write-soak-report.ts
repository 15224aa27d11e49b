/**
 * Writes `<dir>/soak.md` and `<dir>/soak-plots/*.svg|png` from a soak's results. Its own plots
 * directory: the bench report's writer clears `plots/` whenever it runs.
 *
 * Command line: `node bench/soak/write-soak-report.ts bench/results/<YYYY-MM-DD>` (reads soak.json).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { count, fixed, mark, table } from '../report/markdown.ts';
import { renderChart } from '../report/render.ts';
import { GRACE_MS, PAUSE_GRACE_MS } from './classify.ts';
import { answersSpec, resourcesSpec } from './soak-plots.ts';
import type { SoakResults } from './soak-results.ts';
import { baselineMinute, trendOf } from './trends.ts';

const PLOTS = 'soak-plots';
const MAX_UNEXPECTED_LISTED = 50;
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

function embed(name: string, alt: string): string {
  return `![${alt}](${PLOTS}/${name}.svg)\n\n<sub>PNG: [${PLOTS}/${name}.png](${PLOTS}/${name}.png)</sub>`;
}

function figuresSection(results: SoakResults): string {
  const rows = results.figures.map((figure) => [figure.name, figure.measured, figure.limit, mark(figure.passed), figure.note]);
  const verdict = results.passed ? '**All figures pass.**' : `**${results.figures.filter((figure) => !figure.passed).length} figure(s) fail.**`;
  return ['## Figures', '', table(['Figure', 'Measured', 'Limit', '', 'How'], rows, ['l', 'r', 'l', 'l', 'l']), '', verdict].join('\n');
}

/** Trends that are shown but not judged. */
function otherMeasurements(results: SoakResults): string {
  const options = { fromMinute: baselineMinute(results.minutes), toMinute: results.minutes, windows: results.faults, graceMs: GRACE_MS };
  const rss = trendOf(results.samples.map((sample) => ({ t: sample.t, value: sample.rssMiB })), options);
  const sorted = (values: number[]) => values.filter(Number.isFinite).sort((a, b) => a - b);
  const lag = sorted(results.samples.map((sample) => sample.eventLoopLagP99Ms ?? Number.NaN));
  const gc = sorted(results.heap.map((sample) => sample.gcMs));
  const cpu = results.samples.map((sample) => sample.cpuPercent).filter(Number.isFinite);
  const breakdown = (counts: Record<string, number> | undefined) =>
    Object.entries(counts ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, value]) => `${type} ${value}`)
      .join(', ');
  const spaces = [...new Set(results.heap.flatMap((sample) => Object.keys(sample.spacesMiB ?? {})))].sort();
  const bySpace = spaces
    .map((space) => ({ space, trend: trendOf(results.heap.map((sample) => ({ t: sample.t, value: sample.spacesMiB?.[space] ?? Number.NaN })), options) }))
    .filter(({ trend }) => (trend.to ?? 0) >= 0.05)
    .map(({ space, trend }) => `${space} ${fixed(trend.from, 2)} → ${fixed(trend.to, 2)}`)
    .join(', ');
  const rows = [
    [`Heap after GC by V8 space, minute ${rss.fromMinute} → ${rss.toMinute} (medians, MiB)`, bySpace || '—'],
    [`RSS, minute ${rss.fromMinute} → ${rss.toMinute} (steady medians)`, `${fixed(rss.from, 0)} → ${fixed(rss.to, 0)} MiB (${fixed(rss.changePercent, 1)} %)`],
    ['Heap after GC, first and last sample', `${fixed(results.heap[0]?.heapAfterGcMiB, 1)} → ${fixed(results.heap.at(-1)?.heapAfterGcMiB, 1)} MiB`],
    ['Forced GC pause, median / max', `${fixed(gc[Math.floor(gc.length / 2)], 0)} / ${fixed(gc.at(-1), 0)} ms (${gc.length} GCs)`],
    ['Event-loop lag p99, median / max of the samples', `${fixed(lag[Math.floor(lag.length / 2)], 1)} / ${fixed(lag.at(-1), 1)} ms`],
    ['Levee CPU, mean of the samples', `${fixed(cpu.reduce((sum, value) => sum + value, 0) / Math.max(1, cpu.length), 0)} % of one core`],
    ['Open fds by kind, first and last sample', `${breakdown(results.samples[0]?.fdsByKind)}; ${breakdown(results.samples.at(-1)?.fdsByKind)}`],
    ['Active resources by type, first sample', breakdown(results.samples[0]?.resourcesByType)],
    ['Active resources by type, last sample', breakdown(results.samples.at(-1)?.resourcesByType)],
  ];
  return ['## Other measurements (not judged)', '', table(['', ''], rows)].join('\n');
}

function faultsSection(results: SoakResults): string {
  const rows = results.recoveries.map((recovery, index) => [
    String(index + 1),
    recovery.window.label,
    `${seconds(recovery.window.startMs)}–${seconds(recovery.window.endMs)} s`,
    recovery.recoveredAfterMs === null ? 'not recovered' : `${seconds(recovery.recoveredAfterMs)} s`,
    mark(recovery.recovered),
    Object.entries(recovery.answers)
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([key, value]) => `${key}: ${count(value)}`)
      .join(', '),
  ]);
  const criteria = [...new Map(results.recoveries.map((recovery) => [recovery.window.kind, recovery.criterion])).entries()].map(
    ([kind, criterion]) => `- ${kind}: ${criterion}.`,
  );
  return [
    '## Faults and recovery',
    '',
    table(['#', 'Fault', 'Window', 'Recovered after', '', `Answers in flight during the window or ${GRACE_MS / 1000} s after`], rows, ['r', 'l', 'l', 'r', 'l', 'l']),
    '',
    'Recovered: the criterion held within the bound after the window ended (the fault removed):',
    '',
    ...criteria,
  ].join('\n');
}

function answersSection(results: SoakResults): string {
  const statuses = [...new Set(Object.values(results.answersByKind).flatMap((counts) => Object.keys(counts)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const rows = Object.entries(results.answersByKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, counts]) => [kind, ...statuses.map((status) => (counts[status] ? count(counts[status]) : ''))]);
  const { outside, inside, gcPauses, degraded } = results.classification;
  const verdicts = (counts: Record<string, number>) => ['ok', 'degraded', 'unexpected'].map((key) => `${key} ${count(counts[key] ?? 0)}`).join(', ');
  const lines = [
    '## Answers',
    '',
    table(['Kind', ...statuses], rows, ['l', ...statuses.map(() => 'r' as const)]),
    '',
    `Outside fault windows and forced GCs: ${verdicts(outside)}. In flight during one of the sampler's forced GCs (or ${PAUSE_GRACE_MS / 1000} s after): ${verdicts(gcPauses)}. Inside a fault window (or within ${GRACE_MS / 1000} s after): ${verdicts(inside)}.`,
    `Degraded answers by status and code: ${Object.entries(degraded).map(([key, value]) => `${key} ${count(value)}`).join(', ') || 'none'}.`,
  ];
  if (results.unexpected.length > 0) {
    const listed = results.unexpected.slice(0, MAX_UNEXPECTED_LISTED).map((answer) => [seconds(answer.t), answer.route, String(answer.status), answer.code ?? '', answer.fault ?? 'none']);
    lines.push('', `### Unexpected answers (${results.unexpected.length}${results.unexpected.length > MAX_UNEXPECTED_LISTED ? `, first ${MAX_UNEXPECTED_LISTED}` : ''})`, '');
    lines.push(table(['Sent at (s)', 'Route', 'Status', 'Code', 'Fault window'], listed, ['r', 'l', 'r', 'l', 'l']));
  }
  return lines.join('\n');
}

function batchAndSubscribers(results: SoakResults): string {
  const { batch } = results;
  const ran = batch.createdMs !== undefined && batch.finishedMs !== undefined ? ` from ${seconds(batch.createdMs)} s to ${seconds(batch.finishedMs)} s` : '';
  const rows = results.subscribers.map((subscriber) => [
    subscriber.name,
    Object.entries(subscriber.messages).map(([type, value]) => `${type} ${value}`).join(', '),
    subscriber.lastBatchStatus ?? '—',
    subscriber.unexpectedCloses.map((close) => `${seconds(close.t)} s (${close.code})`).join(', ') || 'none',
  ]);
  return [
    '## Batch and live notifications',
    '',
    `Batch ${batch.id ?? '—'} (${batch.lines} lines)${ran}: ${batch.status ?? '—'}, ${JSON.stringify(batch.requestCounts ?? {})}.`,
    '',
    table(['Subscriber', 'Messages', 'Last batch status', 'Unexpected closes'], rows),
  ].join('\n');
}

function method(): string {
  return [
    '## How answers and resources are judged',
    '',
    `Every answer is placed in time by its request (from the start of its sequence: a conversation, an idempotent send and its resend). Outside every fault window and the ${GRACE_MS / 1000} s after it, only a clean 2xx is expected (a stream ending with \`[DONE]\`, a resend replayed). A request in flight during a window or its grace may also get the README's degraded answers: 503 with Retry-After, 504, a 2xx served \`X-Cache: STALE\` or by the other provider, a stream ended by an error event (its provider failed after the first chunk); during a Redis restart also a conversation read answering 404 and a resend not replayed (Redis restarts empty, and the record lived there). Anything else, a request without an answer included, is unexpected.`,
    '',
    `The heap is read after a forced full GC, three times a minute in the quiet part of each minute; each GC stops Levee's event loop for as long as it takes (plotted), Redis commands in flight then time out, and shared state falls back to local for that instant. A request in flight during one (or ${PAUSE_GRACE_MS / 1000} s after) may therefore also get a Redis blip's answers (a resend not replayed, a conversation read answering 404); they are counted apart.`,
    '',
    'Resource trends compare the steady samples (outside fault windows and their grace) of the baseline minute (the 3rd: caches full, the batch over) with the last minute\'s: the heap after GC by their median, file descriptors and active resources by their floor (the minimum: each request in flight holds a socket and timers for a moment, a leak raises the floor). All three are judged on growth only: a latency window fills the upstream connection pools, whose idle connections close about a minute later (the simulator keeps connections alive 65 s), so the count may fall, and a fall is no leak. Sockets aside, the file descriptors are constant (the fds-by-kind row above).',
  ].join('\n');
}

/** Renders soak.md and its plots into `dir`. */
export async function writeSoakReport(dir: string, results: SoakResults): Promise<void> {
  await mkdir(join(dir, PLOTS), { recursive: true });
  for (const [name, spec] of [['resources', resourcesSpec(results)], ['answers', answersSpec(results)]] as const) {
    const { svg, png } = await renderChart(spec);
    await writeFile(join(dir, PLOTS, `${name}.svg`), svg);
    await writeFile(join(dir, PLOTS, `${name}.png`), png);
  }
  const machine = results.machine;
  const markdown = [
    `# Levee soak, ${results.startedAt.slice(0, 10)}`,
    '',
    `\`npm run soak\`${results.minutes === 10 ? '' : ` -- --minutes ${results.minutes}`}: started ${results.startedAt}, ${results.minutes} minutes of mixed traffic with a fault every minute; results in \`soak.json\`, this file and \`${PLOTS}/\` regenerated from it by \`node bench/soak/write-soak-report.ts <this directory>\`. Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os} (shared with other work).`,
    '',
    figuresSection(results),
    '',
    '## Over time',
    '',
    embed('resources', 'Heap after GC, RSS, open file descriptors, active resources and event-loop lag over the soak, fault windows shaded'),
    '',
    embed('answers', 'Answers by status, LLM breakers and Redis state over the soak, fault windows shaded'),
    '',
    faultsSection(results),
    '',
    answersSection(results),
    '',
    batchAndSubscribers(results),
    '',
    otherMeasurements(results),
    '',
    method(),
    '',
    '## Settings',
    '',
    table(['Setting', 'Value'], Object.entries(results.settings).map(([key, value]) => [key, String(value)])),
  ].join('\n');
  await writeFile(join(dir, 'soak.md'), `${markdown}\n`);
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node bench/soak/write-soak-report.ts <results dir holding soak.json>\n');
    process.exit(2);
  }
  await writeSoakReport(dir, JSON.parse(await readFile(join(dir, 'soak.json'), 'utf8')) as SoakResults);
  process.stdout.write(`wrote ${join(dir, 'soak.md')}\n`);
}
