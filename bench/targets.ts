/**
 * The performance targets, computed from one run's own figures (Levee against the
 * baseline measured minutes earlier on the same machine). Reported, never asserted in tests.
 */
import type { BenchResults, BenchTarget, ScenarioResult, TargetCheck } from './results.ts';
import { SINGLE_CONNECTION } from './scenarios.ts';

const LEVEE_TARGETS: ReadonlyArray<{ target: BenchTarget; label: string }> = [
  { target: 'levee', label: 'Levee' },
  { target: 'levee-redis', label: 'Levee + Redis' },
];

function find(scenarios: readonly ScenarioResult[], scenario: string, target: BenchTarget, levelStartsWith: string) {
  return scenarios.find((result) => result.scenario === scenario && result.target === target && result.level.startsWith(levelStartsWith));
}

const fixed = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function check(name: string, measured: number, limit: number, unit: string, atMost: boolean, note?: string): TargetCheck {
  const met = Number.isFinite(measured) && (atMost ? measured <= limit : measured >= limit);
  return { name, measured: fixed(measured), limit, unit, met, ...(note ? { note } : {}) };
}

/** A target's median throughput over the baseline's, at least `limit` times (`unit`: req/s, streams/s). */
function throughputRatio(name: string, measured: ScenarioResult, against: ScenarioResult, limit: number, unit: string, versus = '× baseline', extraNote = ''): TargetCheck {
  return check(name, measured.median.throughput / against.median.throughput, limit, versus, false,
    `${measured.median.throughput} vs ${against.median.throughput} ${unit} (medians${extraNote})`);
}

/** A target's median p99 minus the baseline's, at most `limit` ms. */
function addedP99(name: string, measured: ScenarioResult, against: ScenarioResult, limit: number): TargetCheck {
  return check(name, measured.median.latencyMs.p99 - against.median.latencyMs.p99, limit, 'ms', true,
    `p99 ${measured.median.latencyMs.p99} vs ${against.median.latencyMs.p99} ms (medians of runs); ${measured.level}`);
}

export function computeTargets(results: Pick<BenchResults, 'scenarios' | 'micro' | 'concurrentStreams'>): TargetCheck[] {
  const { scenarios, micro, concurrentStreams } = results;
  const checks: TargetCheck[] = [];
  const baselineMax = find(scenarios, 'chat', 'baseline', 'max');
  const baselineHalf = find(scenarios, 'chat', 'baseline', 'half');
  const portkeyMax = find(scenarios, 'chat', 'portkey', 'max');

  for (const { target, label } of LEVEE_TARGETS) {
    const max = find(scenarios, 'chat', target, 'max');
    if (baselineMax && max) checks.push(throughputRatio(`${label} throughput ≥ 0.6 × baseline (non-streaming chat, max level)`, max, baselineMax, 0.6, 'req/s'));
  }
  const leveeMax = find(scenarios, 'chat', 'levee', 'max');
  const sampledMax = find(scenarios, 'chat', 'levee-sampled', 'max');
  if (baselineMax && sampledMax) {
    checks.push(throughputRatio('Levee with OTEL_TRACES_SAMPLER=parentbased_traceidratio 0.1: throughput ≥ 0.6 × baseline (reported beside the defaults)', sampledMax, baselineMax, 0.6, 'req/s'));
  }
  if (baselineMax && leveeMax) {
    const usPerCall = (figures: ScenarioResult['median']) => (figures.cpuPercent / 100 / figures.throughput) * 1e6;
    const levee = usPerCall(leveeMax.median);
    const baseline = usPerCall(baselineMax.median);
    checks.push(
      check('Levee CPU per proxied call ≤ 1.6 × baseline (non-streaming chat, max level)', levee / baseline, 1.6, '× baseline', true,
        `${fixed(levee, 0)} vs ${fixed(baseline, 0)} µs of CPU per call (process CPU ÷ completed calls, medians); parts in the CPU breakdown`),
    );
  }
  const baselineStreams = find(scenarios, 'chat-stream', 'baseline', 'max');
  const leveeStreams = find(scenarios, 'chat-stream', 'levee', 'max');
  if (baselineStreams && leveeStreams) {
    checks.push(throughputRatio('Levee streaming chat: completed streams per second ≥ 0.6 × baseline', leveeStreams, baselineStreams, 0.6, 'streams/s'));
  }
  const baselineStreamsHalf = find(scenarios, 'chat-stream', 'baseline', 'half');
  const leveeStreamsHalf = find(scenarios, 'chat-stream', 'levee', 'half');
  if (baselineStreamsHalf && leveeStreamsHalf) {
    checks.push(addedP99('Levee streaming chat: added time-to-first-byte p99 ≤ 2 ms at half of its max, paced open loop', leveeStreamsHalf, baselineStreamsHalf, 2));
  }
  if (portkeyMax && leveeMax) {
    checks.push(throughputRatio('Levee ÷ Portkey gateway ≥ 4 × (non-streaming chat, max level)', leveeMax, portkeyMax, 4, 'req/s', '× Portkey', '; @portkey-ai/gateway 1.15.2, same simulator'));
  }
  for (const { target, label } of LEVEE_TARGETS) {
    const half = find(scenarios, 'chat', target, 'half');
    if (baselineHalf && half) checks.push(addedP99(`${label} added p99 ≤ 2 ms at half of Levee's max, paced open loop (non-streaming chat)`, half, baselineHalf, 2));
  }
  checks.push(
    check('Policy pipeline − bare async call ≤ 3 µs per call', micro.overheadUs, 3, 'µs', true,
      `policies ${micro.pipelineUs} vs bare ${micro.bareAsyncUs} µs per call, median of rounds of ${micro.calls} calls; with spans and metrics ${micro.instrumentedUs} µs`),
  );
  for (const { target, label } of LEVEE_TARGETS) {
    // The fast-fail's own latency: one connection, so nothing waits in line behind other calls.
    const single = find(scenarios, 'breaker-open', target, SINGLE_CONNECTION);
    const hammered = find(scenarios, 'breaker-open', target, 'max');
    if (single) {
      const underLoad = hammered
        ? `; hammered (${hammered.level}): p99 ${hammered.median.latencyMs.p99} ms at ${hammered.median.throughput} fast-fails/s, mostly queueing`
        : '';
      checks.push(
        check(`${label} breaker-open fast-fail p99 ≤ 1 ms`, single.median.latencyMs.p99, 1, 'ms', true,
          `one connection: ${single.median.throughput} fast-fails/s, ${single.median.errors} unexpected${underLoad}`),
      );
    }
  }
  if (concurrentStreams.proxyRssMiB !== undefined) {
    checks.push(
      check(`Levee RSS ≤ 1.2 × the bare proxy's with ${concurrentStreams.streams} concurrent streams`, concurrentStreams.rssMiB / concurrentStreams.proxyRssMiB, 1.2, '× proxy', true,
        `${concurrentStreams.rssMiB} vs ${concurrentStreams.proxyRssMiB} MiB (idle ${concurrentStreams.baselineRssMiB} vs ${concurrentStreams.proxyIdleRssMiB} MiB; per open stream ${perStreamKiB(concurrentStreams.rssMiB, concurrentStreams.baselineRssMiB, concurrentStreams.streams)} vs ${perStreamKiB(concurrentStreams.proxyRssMiB, concurrentStreams.proxyIdleRssMiB, concurrentStreams.streams)} KiB of RSS growth); Levee's own process, the embedded Postgres child apart`),
    );
  }
  return checks;
}

/** RSS growth per open stream, KiB (resident memory: heap, buffers and sockets together). */
function perStreamKiB(rssMiB: number, idleMiB: number | undefined, streams: number): number | string {
  return idleMiB === undefined ? '?' : Math.round(((rssMiB - idleMiB) * 1024) / streams);
}
