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

export function computeTargets(results: Pick<BenchResults, 'scenarios' | 'micro' | 'concurrentStreams'>): TargetCheck[] {
  const { scenarios, micro, concurrentStreams } = results;
  const checks: TargetCheck[] = [];
  const baselineMax = find(scenarios, 'chat', 'baseline', 'max');
  const baselineHalf = find(scenarios, 'chat', 'baseline', 'half');
  const portkeyMax = find(scenarios, 'chat', 'portkey', 'max');

  for (const { target, label } of LEVEE_TARGETS) {
    const max = find(scenarios, 'chat', target, 'max');
    if (baselineMax && max) {
      const ratio = max.median.throughput / baselineMax.median.throughput;
      checks.push(
        check(`${label} throughput ≥ 0.6 × baseline (non-streaming chat, max level)`, ratio, 0.6, '× baseline', false,
          `${max.median.throughput} vs ${baselineMax.median.throughput} req/s (medians)`),
      );
    }
  }
  const leveeMax = find(scenarios, 'chat', 'levee', 'max');
  const sampledMax = find(scenarios, 'chat', 'levee-sampled', 'max');
  if (baselineMax && sampledMax) {
    checks.push(
      check('Levee with OTEL_TRACES_SAMPLER=parentbased_traceidratio 0.1: throughput ≥ 0.6 × baseline (reported beside the defaults)', sampledMax.median.throughput / baselineMax.median.throughput, 0.6, '× baseline', false,
        `${sampledMax.median.throughput} vs ${baselineMax.median.throughput} req/s (medians)`),
    );
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
    checks.push(
      check('Levee streaming chat: completed streams per second ≥ 0.6 × baseline', leveeStreams.median.throughput / baselineStreams.median.throughput, 0.6, '× baseline', false,
        `${leveeStreams.median.throughput} vs ${baselineStreams.median.throughput} streams/s (medians)`),
    );
  }
  const baselineStreamsHalf = find(scenarios, 'chat-stream', 'baseline', 'half');
  const leveeStreamsHalf = find(scenarios, 'chat-stream', 'levee', 'half');
  if (baselineStreamsHalf && leveeStreamsHalf) {
    checks.push(
      check('Levee streaming chat: added time-to-first-byte p99 ≤ 2 ms at half of its max, paced open loop', leveeStreamsHalf.median.latencyMs.p99 - baselineStreamsHalf.median.latencyMs.p99, 2, 'ms', true,
        `p99 ${leveeStreamsHalf.median.latencyMs.p99} vs ${baselineStreamsHalf.median.latencyMs.p99} ms (medians of runs); ${leveeStreamsHalf.level}`),
    );
  }
  if (portkeyMax && leveeMax) {
    checks.push(
      check('Levee ÷ Portkey gateway ≥ 4 × (non-streaming chat, max level)', leveeMax.median.throughput / portkeyMax.median.throughput, 4, '× Portkey', false,
        `${leveeMax.median.throughput} vs ${portkeyMax.median.throughput} req/s (medians; @portkey-ai/gateway 1.15.2, same simulator)`),
    );
  }
  for (const { target, label } of LEVEE_TARGETS) {
    const half = find(scenarios, 'chat', target, 'half');
    if (baselineHalf && half) {
      const added = half.median.latencyMs.p99 - baselineHalf.median.latencyMs.p99;
      checks.push(
        check(`${label} added p99 ≤ 2 ms at half of Levee's max, paced open loop (non-streaming chat)`, added, 2, 'ms', true,
          `p99 ${half.median.latencyMs.p99} vs ${baselineHalf.median.latencyMs.p99} ms (medians of runs); ${half.level}`),
      );
    }
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
