/**
 * From what a soak recorded to its figures and verdict: every answer judged by its time
 * (classify.ts), every fault's recovery (recovery.ts), the resource trends (trends.ts), the
 * WebSocket subscribers and the batch. Pure, so test/soak-analysis.test.ts runs it on fixed data.
 */
import { GRACE_MS, judge, PAUSE_GRACE_MS, statusKey, windowOf } from './classify.ts';
import { RECOVERY_BOUND_MS, recoveryOf } from './recovery.ts';
import type {
  AnswerRecord,
  BatchRecord,
  FaultRecovery,
  FaultWindow,
  HealthSample,
  HeapSample,
  ResourceSample,
  SoakFigure,
  SoakResults,
  StatusInterval,
  SubscriberRecord,
  UnexpectedAnswer,
} from './soak-results.ts';
import { baselineMinute, trendOf, type Point, type Trend } from './trends.ts';

/** Heap after GC may grow at most this much from the baseline minute to the last. */
const HEAP_GROWTH_LIMIT_PERCENT = 10;
/**
 * "Flat": the last minute's floor at most this far above the baseline minute's (the larger of the
 * two bounds). One-sided: a leak only grows, while a pool of idle upstream connections that a
 * latency window filled shrinks again over the next minutes, which is no leak.
 */
const FLAT_TOLERANCE = { absolute: 5, percent: 10 } as const;
/** Width of the status plot's bars. */
export const STATUS_INTERVAL_MS = 5_000;

export interface SoakRun {
  minutes: number;
  faults: FaultWindow[];
  answers: AnswerRecord[];
  health: HealthSample[];
  samples: ResourceSample[];
  heap: HeapSample[];
  subscribers: SubscriberRecord[];
  batch: BatchRecord;
}

export type SoakAnalysis = Pick<SoakResults, 'recoveries' | 'statusIntervals' | 'answersByKind' | 'classification' | 'unexpected' | 'figures' | 'passed'>;

const increment = (counts: Record<string, number>, key: string): void => void (counts[key] = (counts[key] ?? 0) + 1);
const fixed = (value: number | undefined, digits: number): string => (value === undefined ? '—' : value.toFixed(digits));

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function statusIntervals(answers: readonly AnswerRecord[]): StatusInterval[] {
  const byStart = new Map<number, { counts: Record<string, number>; latencies: number[] }>();
  for (const answer of answers) {
    const t = Math.floor(answer.sentMs / STATUS_INTERVAL_MS) * STATUS_INTERVAL_MS;
    const interval = byStart.get(t) ?? byStart.set(t, { counts: {}, latencies: [] }).get(t)!;
    increment(interval.counts, statusKey(answer));
    if (answer.kind !== 'batch' && answer.kind !== 'collection') interval.latencies.push(answer.endMs - answer.sentMs);
  }
  return [...byStart.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, { counts, latencies }]) => {
      const sorted = latencies.sort((a, b) => a - b);
      const p50 = percentile(sorted, 50);
      const p99 = percentile(sorted, 99);
      return { t, counts, ...(p50 === undefined ? {} : { latencyP50Ms: Math.round(p50) }), ...(p99 === undefined ? {} : { latencyP99Ms: Math.round(p99) }) };
    });
}

function flat(trend: Trend): boolean {
  if (trend.change === undefined || trend.from === undefined) return false;
  return trend.change <= Math.max(FLAT_TOLERANCE.absolute, (FLAT_TOLERANCE.percent / 100) * trend.from);
}

const signed = (value: number | undefined, digits: number, unit = ''): string =>
  value === undefined ? '—' : `${value >= 0 ? '+' : ''}${value.toFixed(digits)}${unit}`;

function trendNote(trend: Trend, unit: string, digits: number): string {
  return (
    `${trend.statistic === 'median' ? 'medians' : 'floors (minimum)'} of the steady samples (outside fault windows + ${GRACE_MS / 1000} s) in minute ${trend.fromMinute} and minute ${trend.toMinute} ` +
    `(${trend.samples[0]} and ${trend.samples[1]} samples): ${fixed(trend.from, digits)} → ${fixed(trend.to, digits)} ${unit}; ` +
    `least-squares slope over minutes ${trend.fromMinute}–${trend.toMinute}: ${signed(trend.slopePerMinute, digits + 1)} ${unit}/min`
  );
}

function resourceFigures(run: SoakRun): SoakFigure[] {
  const options = { fromMinute: baselineMinute(run.minutes), toMinute: run.minutes, windows: run.faults, graceMs: GRACE_MS };
  const series = (pick: (sample: ResourceSample) => number): Point[] => run.samples.map((sample) => ({ t: sample.t, value: pick(sample) }));
  const heap = trendOf(run.heap.map((sample) => ({ t: sample.t, value: sample.heapAfterGcMiB })), options);
  const fds = trendOf(series((sample) => sample.openFds), { ...options, statistic: 'floor' });
  const handles = trendOf(series((sample) => sample.activeResources), { ...options, statistic: 'floor' });
  const span = `minute ${options.fromMinute} → ${options.toMinute}`;
  const flatLimit = `≤ +max(${FLAT_TOLERANCE.absolute}, ${FLAT_TOLERANCE.percent} %)`;
  return [
    {
      name: `Heap after GC growth, ${span}`,
      measured: signed(heap.changePercent, 1, ' %'),
      limit: `< ${HEAP_GROWTH_LIMIT_PERCENT} %`,
      passed: heap.changePercent !== undefined && heap.changePercent < HEAP_GROWTH_LIMIT_PERCENT,
      note: trendNote(heap, 'MiB', 1),
    },
    {
      name: `Open file descriptors flat, ${span}`,
      measured: signed(fds.change, 1),
      limit: flatLimit,
      passed: flat(fds),
      note: trendNote(fds, 'fds', 0),
    },
    {
      name: `Active handles flat, ${span}`,
      measured: signed(handles.change, 1),
      limit: flatLimit,
      passed: flat(handles),
      note: `${trendNote(handles, 'resources', 0)} (process.getActiveResourcesInfo(): ref'd handles, requests, timers)`,
    },
  ];
}

function recoveries(run: SoakRun): FaultRecovery[] {
  return run.faults.map((window) => {
    const { recoveredAfterMs, criterion } = recoveryOf(window, run.health, run.answers);
    const answers: Record<string, number> = {};
    for (const answer of run.answers) {
      if (windowOf(answer, [window]) === undefined) continue;
      increment(answers, answer.provider && answer.status < 300 ? `${statusKey(answer)} via ${answer.provider}` : statusKey(answer));
    }
    return { window, recoveredAfterMs, recovered: recoveredAfterMs !== null && recoveredAfterMs <= RECOVERY_BOUND_MS, criterion, answers };
  });
}

function otherFigures(run: SoakRun, recovered: FaultRecovery[], unexpected: UnexpectedAnswer[]): SoakFigure[] {
  const slowest = Math.max(0, ...recovered.map((recovery) => recovery.recoveredAfterMs ?? Number.POSITIVE_INFINITY));
  const closes = run.subscribers.reduce((sum, subscriber) => sum + subscriber.unexpectedCloses.length, 0);
  const sawEnd = run.subscribers.filter((subscriber) => subscriber.lastBatchStatus === run.batch.status && run.batch.status !== undefined).length;
  const counts = run.batch.requestCounts;
  return [
    {
      name: 'Faults recovered',
      measured: `${recovered.filter((recovery) => recovery.recovered).length} of ${recovered.length}`,
      limit: `all, each within ${RECOVERY_BOUND_MS / 1000} s of its window's end`,
      passed: recovered.length > 0 && recovered.every((recovery) => recovery.recovered),
      note: `slowest ${Number.isFinite(slowest) ? `${(slowest / 1000).toFixed(1)} s` : 'never'}; criteria per fault kind in the recovery table`,
    },
    {
      name: 'Unexpected answers',
      measured: `${unexpected.length} of ${run.answers.length}`,
      limit: '0',
      passed: unexpected.length === 0 && run.answers.length > 0,
      note: `outside fault windows (+ ${GRACE_MS / 1000} s grace) only clean 2xx; inside, also 503 with Retry-After, 504 and streams ended by an error event (Redis restart: lost conversations and idempotency records too); during the sampler's forced GCs, lost idempotency records and conversations`,
    },
    {
      name: 'WebSocket subscribers',
      measured: `${closes} unexpected closes; ${sawEnd} of ${run.subscribers.length} told the batch ended`,
      limit: '0 closes; all told',
      passed: closes === 0 && run.subscribers.length > 0 && sawEnd === run.subscribers.length,
      note: 'connected to /v1/events for the whole run, Redis restarts included',
    },
    {
      name: 'Batch',
      measured: counts ? `${run.batch.status}: ${counts.completed} of ${counts.total} lines completed, ${counts.failed} failed` : String(run.batch.status ?? 'not created'),
      limit: 'completed, 0 failed',
      passed: run.batch.status === 'completed' && counts !== undefined && counts.failed === 0 && counts.completed === counts.total,
      note: `${run.batch.lines} chat lines through faults; lines meeting "not now" wait and run again`,
    },
  ];
}

export function analyzeSoak(run: SoakRun): SoakAnalysis {
  const classification = { outside: {}, inside: {}, gcPauses: {}, degraded: {} } as SoakAnalysis['classification'];
  const pauses = run.heap.map((sample) => ({ startMs: sample.t, endMs: sample.t + sample.gcMs }));
  const answersByKind: Record<string, Record<string, number>> = {};
  const unexpected: UnexpectedAnswer[] = [];
  for (const answer of run.answers) {
    const window = windowOf(answer, run.faults);
    const inPause = window === undefined && windowOf(answer, pauses, PAUSE_GRACE_MS) !== undefined;
    const verdict = judge(answer, window, inPause);
    increment(window ? classification.inside : inPause ? classification.gcPauses : classification.outside, verdict);
    if (verdict === 'degraded') increment(classification.degraded, `${statusKey(answer)}${answer.code ? ` ${answer.code}` : ''}${inPause ? ' (GC pause)' : ''}`);
    increment((answersByKind[answer.kind] ??= {}), statusKey(answer));
    if (verdict === 'unexpected') {
      unexpected.push({
        t: answer.sentMs,
        kind: answer.kind,
        route: answer.route,
        status: answer.status,
        ...(answer.code === undefined ? {} : { code: answer.code }),
        ...(window === undefined ? {} : { fault: window.label }),
      });
    }
  }
  const recovered = recoveries(run);
  const figures = [...resourceFigures(run), ...otherFigures(run, recovered, unexpected)];
  return {
    recoveries: recovered,
    statusIntervals: statusIntervals(run.answers),
    answersByKind,
    classification,
    unexpected,
    figures,
    passed: figures.every((figure) => figure.passed),
  };
}
