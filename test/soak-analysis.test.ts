/**
 * The soak's pure analysis on fixed data: how answers are judged by time, when a fault counts as
 * recovered, how the resource trends are read, and the schedule they rely on. The soak itself
 * (`npm run soak`, 10 minutes) is not run here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSoak, type SoakRun } from '../bench/soak/analysis.ts';
import { GRACE_MS, judge, windowOf } from '../bench/soak/classify.ts';
import { RECOVERY_BOUND_MS, recoveryOf } from '../bench/soak/recovery.ts';
import { faultSchedule, heapSampleTimes, WINDOW_MS } from '../bench/soak/schedule.ts';
import type { AnswerRecord, FaultWindow, HealthSample, HeapSample, ResourceSample } from '../bench/soak/soak-results.ts';
import { trendOf } from '../bench/soak/trends.ts';

const MINUTE = 60_000;
const outage: FaultWindow = { kind: 'provider-outage', startMs: 80_000, endMs: 105_000, label: 'primary answers 500', provider: 'primary', mode: 'errors' };
const latency: FaultWindow = { kind: 'latency-shift', startMs: 20_000, endMs: 45_000, label: 'upstream latency → 1.5 s' };
const redis: FaultWindow = { kind: 'redis-restart', startMs: 140_000, endMs: 165_000, label: 'redis-server SIGKILLed' };

const answer = (sentMs: number, status: number, extra: Partial<AnswerRecord> = {}): AnswerRecord => ({
  kind: 'chat',
  route: 'POST /v1/chat/completions',
  sentMs,
  endMs: sentMs + 30,
  status,
  ...extra,
});

const health = (t: number, primary: string, redisStatus = 'ok', localFeatures: string[] = []): HealthSample => ({
  t,
  breakers: { 'llm/primary': primary, 'llm/secondary': 'closed', redis: 'closed' },
  redis: redisStatus,
  localFeatures,
});

describe('soak: judging answers by time', () => {
  it('places an answer in a window while its request or its sequence overlapped the window or its grace', () => {
    assert.equal(windowOf(answer(79_000, 200), [outage]), undefined, 'answered before the window began');
    assert.equal(windowOf(answer(79_990, 200), [outage]), outage, 'in flight when it began');
    assert.equal(windowOf(answer(105_000 + GRACE_MS - 1, 200), [outage]), outage, 'within the grace');
    assert.equal(windowOf(answer(105_000 + GRACE_MS + 1, 200), [outage]), undefined);
    assert.equal(windowOf(answer(200_000, 200, { sequenceStartMs: 164_000 }), [redis]), redis, 'a conversation begun in the window');
  });

  it('outside a window only a clean 2xx is expected', () => {
    assert.equal(judge(answer(0, 200), undefined), 'ok');
    assert.equal(judge(answer(0, 503, { retryAfter: true, code: 'dependency_unavailable' }), undefined), 'unexpected');
    assert.equal(judge(answer(0, 200, { code: 'stream_incomplete' }), undefined), 'unexpected');
    assert.equal(judge(answer(0, 0, { code: 'network_error' }), undefined), 'unexpected');
  });

  it('inside one, also 503 with Retry-After, 504 and a stream ended by an error event; never a 502, a bare 503 or no answer', () => {
    assert.equal(judge(answer(0, 503, { retryAfter: true, code: 'dependency_unavailable' }), outage), 'degraded');
    assert.equal(judge(answer(0, 503, { code: 'dependency_unavailable' }), outage), 'unexpected');
    assert.equal(judge(answer(0, 504, { code: 'upstream_timeout' }), latency), 'degraded');
    assert.equal(judge(answer(0, 502, { code: 'upstream_error' }), outage), 'unexpected');
    assert.equal(judge(answer(0, 0, { code: 'client_timeout' }), latency), 'unexpected');
    assert.equal(judge(answer(0, 200, { cache: 'STALE', provider: 'secondary' }), outage), 'ok');
    assert.equal(judge(answer(0, 200, { kind: 'chat-stream', code: 'stream_error_event' }), outage), 'degraded', 'cut after its first chunk, with an error event');
    assert.equal(judge(answer(0, 200, { kind: 'chat-stream', code: 'stream_incomplete' }), outage), 'unexpected', 'cut without one');
  });

  it('a lost idempotency record or conversation is allowed in a Redis window and a GC pause only', () => {
    const notReplayed = answer(0, 200, { kind: 'idempotent-resend', code: 'replay_missing' });
    const forgotten = answer(0, 404, { kind: 'conversation-read', route: 'GET /v1/conversations/:id', code: 'not_found' });
    assert.equal(judge(notReplayed, redis), 'degraded');
    assert.equal(judge(forgotten, redis), 'degraded');
    assert.equal(judge(notReplayed, latency), 'unexpected');
    assert.equal(judge(forgotten, undefined, true), 'degraded');
    assert.equal(judge(notReplayed, undefined), 'unexpected');
    assert.equal(judge(answer(0, 409, { code: 'idempotency_key_in_use' }), undefined, true), 'unexpected', 'a key stuck in use is no blip');
  });
});

describe('soak: recovery after a fault', () => {
  it('an outage is over when every LLM breaker is closed and the provider serves again', () => {
    const samples = [health(104_000, 'open'), health(106_000, 'open'), health(109_000, 'half_open'), health(110_000, 'closed')];
    const answers = [answer(106_000, 200, { provider: 'secondary' }), answer(111_500, 200, { provider: 'primary', endMs: 111_600 })];
    assert.deepEqual(recoveryOf(outage, samples, answers).recoveredAfterMs, 6_600);
    assert.equal(recoveryOf(outage, samples, answers.slice(0, 1)).recoveredAfterMs, null, 'primary never served again');
  });

  it('a latency shift is over when five chats in a row are fast again', () => {
    const slow = [45_100, 45_300, 45_500].map((t) => answer(t, 200, { endMs: t + 1_500 }));
    const fast = [46_000, 46_200, 46_400, 46_600, 46_800].map((t) => answer(t, 200, { endMs: t + 40 }));
    const samples = [health(45_500, 'closed')];
    // The first fast run of five (two slow answers still in it) ends with the slow ones, at 47 s.
    assert.equal(recoveryOf(latency, samples, [...slow, ...fast]).recoveredAfterMs, 47_000 - 45_000);
  });

  it('a Redis restart is over when no feature is left on local state', () => {
    const samples = [health(165_500, 'closed', 'down', ['caches']), health(166_000, 'closed', 'ok', ['caches']), health(167_000, 'closed', 'ok')];
    assert.equal(recoveryOf(redis, samples, []).recoveredAfterMs, 2_000);
  });
});

describe('soak: resource trends', () => {
  const windows = [latency, outage, redis];
  const points = (values: Record<number, number[]>) =>
    Object.entries(values).flatMap(([minute, list]) => list.map((value, i) => ({ t: (Number(minute) - 1) * MINUTE + 3_000 + i * 7_000, value })));

  it('compares the medians of the steady samples of two minutes, ignoring those in a window', () => {
    const trend = trendOf([...points({ 3: [60, 61, 62], 10: [64, 65, 99] }), { t: 9 * MINUTE + 25_000, value: 500 }], {
      fromMinute: 3,
      toMinute: 10,
      windows: [{ ...latency, startMs: 9 * MINUTE + 20_000, endMs: 9 * MINUTE + 45_000 }],
      graceMs: GRACE_MS,
    });
    assert.equal(trend.from, 61);
    assert.equal(trend.to, 65);
    assert.deepEqual(trend.samples, [3, 3]);
    assert.ok(trend.slopePerMinute! > 0);
  });

  it('reads counts by their floor, so a moment with many requests in flight is no growth', () => {
    const options = { fromMinute: 3, toMinute: 10, windows: [], graceMs: GRACE_MS };
    const counts = points({ 3: [42, 44, 41], 10: [50, 44, 52] });
    assert.equal(trendOf(counts, options).change, 8, 'the medians moved with what was in flight');
    assert.equal(trendOf(counts, { ...options, statistic: 'floor' }).change, 3);
  });

  const run = (heap: number[], fds: [number, number]): SoakRun => {
    const heapSamples: HeapSample[] = heapSampleTimes(10).map((t) => ({ t, heapAfterGcMiB: t < 2 * MINUTE ? 50 : t < 9 * MINUTE ? heap[0]! : heap[1]!, spacesMiB: {}, gcMs: 150 }));
    const samples: ResourceSample[] = [2, 9].flatMap((minute) =>
      [3_000, 8_000, 13_000].map((offset) => ({
        t: minute * MINUTE + offset,
        rssMiB: 200,
        openFds: minute === 2 ? fds[0] : fds[1],
        fdsByKind: {},
        activeResources: 50,
        resourcesByType: {},
        cpuPercent: 20,
      })),
    );
    return {
      minutes: 10,
      faults: faultSchedule(10),
      answers: [answer(130_000, 200)],
      health: [],
      samples,
      heap: heapSamples,
      subscribers: [{ name: 's', messages: {}, lastBatchStatus: 'completed', unexpectedCloses: [] }],
      batch: { id: 'batch_1', lines: 10, status: 'completed', requestCounts: { total: 10, completed: 10, failed: 0 } },
    };
  };
  const figure = (analysis: ReturnType<typeof analyzeSoak>, start: string) => analysis.figures.find((item) => item.name.startsWith(start))!;

  it('passes heap growth under 10 % from minute 3 to 10 and fails it above', () => {
    assert.equal(figure(analyzeSoak(run([60, 65], [100, 100])), 'Heap after GC').passed, true);
    assert.equal(figure(analyzeSoak(run([60, 66.5], [100, 100])), 'Heap after GC').passed, false);
  });

  it('judges file descriptors one way: a fall passes, growth past max(5, 10 %) fails', () => {
    assert.equal(figure(analyzeSoak(run([60, 60], [140, 90])), 'Open file descriptors').passed, true);
    assert.equal(figure(analyzeSoak(run([60, 60], [100, 110])), 'Open file descriptors').passed, true);
    assert.equal(figure(analyzeSoak(run([60, 60], [100, 111])), 'Open file descriptors').passed, false);
  });
});

describe('soak: the whole analysis', () => {
  it('lists unexpected answers with their fault, and fails on them, an unrecovered fault or a closed subscriber', () => {
    const faults = [latency, outage];
    const answers = [
      answer(10_000, 200),
      answer(30_000, 504, { code: 'upstream_timeout' }),
      answer(50_000, 200, { provider: 'primary' }),
      answer(90_000, 502, { code: 'upstream_error' }),
      answer(108_000, 200, { provider: 'primary' }),
      answer(130_000, 500, { code: 'internal_error' }),
    ];
    const samples = [health(46_000, 'closed'), health(106_000, 'closed')];
    const result = analyzeSoak({
      minutes: 3,
      faults,
      answers,
      health: samples,
      samples: [],
      heap: [],
      subscribers: [{ name: 's', messages: {}, lastBatchStatus: 'completed', unexpectedCloses: [{ t: 100_000, code: 1006 }] }],
      batch: { id: 'batch_1', lines: 10, status: 'completed', requestCounts: { total: 10, completed: 10, failed: 0 } },
    });
    assert.deepEqual(
      result.unexpected.map(({ t, status, fault }) => ({ t, status, fault })),
      [
        { t: 90_000, status: 502, fault: outage.label },
        { t: 130_000, status: 500, fault: undefined },
      ],
    );
    assert.deepEqual(result.classification.inside, { degraded: 1, ok: 2, unexpected: 1 });
    assert.deepEqual(result.classification.degraded, { '504 upstream_timeout': 1 });
    assert.equal(result.recoveries.every((recovery) => recovery.recovered), false, 'no fast chats after the latency window');
    assert.equal(result.recoveries[1]!.recoveredAfterMs! <= RECOVERY_BOUND_MS, true);
    assert.equal(result.passed, false);
    assert.equal(result.figures.find((item) => item.name === 'WebSocket subscribers')!.passed, false);
  });
});

describe('soak: the schedule', () => {
  it('puts ten faults in ten minutes, rotating latency, outage, Redis, the last over before the end', () => {
    const faults = faultSchedule(10);
    assert.equal(faults.length, 10);
    assert.deepEqual(faults.slice(0, 3).map((fault) => fault.kind), ['latency-shift', 'provider-outage', 'redis-restart']);
    assert.deepEqual(
      faults.filter((fault) => fault.kind === 'provider-outage').map((fault) => `${fault.provider} ${fault.mode}`),
      ['primary errors', 'secondary killed', 'primary killed'],
    );
    assert.ok(faults.every((fault) => fault.endMs - fault.startMs === WINDOW_MS));
    assert.ok(faults.at(-1)!.endMs + GRACE_MS <= 10 * MINUTE);
  });

  it('forces its GCs only outside every fault window and its grace', () => {
    const faults = faultSchedule(10);
    for (const t of heapSampleTimes(10)) assert.ok(faults.every((fault) => t < fault.startMs || t > fault.endMs + GRACE_MS), `heap sample at ${t} ms`);
  });
});
