/**
 * Chaos 1, upstream outage then recovery. Steady load (20 chats/s through HAProxy) while the
 * simulator answers every chat 500 for 6 s (short) or 30 s (full), then recovers.
 *
 * Expected: the breakers open on both replicas; requests get fast 503s instead of waiting on the
 * upstream; the upstream sees at most 1.2 attempts per client request (checked over the outage
 * window, and over the whole run); half-open lets one probe at a time through (every upstream
 * answer takes 200 ms, so overlapping probes would show in the simulator's in-flight peak); after
 * recovery both breakers close within one half-open period + 2 × 200 ms (the two good probes
 * that close it) + 1 s of slack (the flush to Redis, load gaps, the 100 ms polling).
 *
 * The breaker counts rates over 120 s, so the successes of the healthy lead-in delay the opening:
 * the failures have to reach half of all outcomes first (the attempts of that phase are in the
 * outage window's attempts-per-request figure).
 *
 * Settings: CHAOS_BASE_ENV (retries 3 attempts, backoff 20 → 100 ms; breaker ≥ 5 failures and
 * ≥ 50 % in 120 s, 2 good probes close it), LLM_BREAKER_HALF_OPEN_AFTER_MS 2 000 (short) /
 * 5 000 (full); upstream latency 200 ms throughout.
 */
import { after, before, describe, it } from 'node:test';
import { breakerState, INSTANCES, startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdFor, holdUntil, nowMs, percentile, round } from './support/clock.ts';
import { sentBetween, startLoad, statusCounts } from './support/load-driver.ts';
import { waitFor } from '../support/wait-for.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';
import type { TapRecord } from './support/upstream-tap.ts';

const HALF_OPEN_MS = byVariant(2_000, 5_000);
const HEALTHY_MS = byVariant(3_000, 10_000);
const OUTAGE_MS = byVariant(6_000, 30_000);
const TAIL_MS = byVariant(3_000, 10_000);
const RATE = 20;
const UPSTREAM_LATENCY = { route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 200 } } } as const;

describe('chaos: upstream outage and recovery', { timeout: 180_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({ env: { LLM_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS) } });
  });
  after(() => stack?.stop());

  it('opens on both replicas, fails fast, probes one at a time, and closes after recovery', async (t) => {
    const report = new ChaosReport('01-upstream-outage', 'Upstream outage, then recovery');
    const { simulator, tap } = stack;
    simulator.setFaults([UPSTREAM_LATENCY]);
    const t0 = nowMs();
    const load = startLoad({ url: stack.url, ratePerSecond: RATE });
    const sampler = startSampler(stack, { t0, records: () => [load.records] });
    const bothAre = async (...states: string[]) =>
      (await Promise.all(INSTANCES.map((name) => breakerState(stack.instances[name].url)))).every((state) => states.includes(state));

    await holdUntil(t0 + HEALTHY_MS);
    const faultStart = nowMs();
    simulator.setFaults([UPSTREAM_LATENCY, { route: 'chat', fault: { type: 'error', status: 500 } }]);
    const bothOpenAt = await waitFor(async () => ((await bothAre('open', 'half_open')) ? nowMs() : undefined), {
      timeoutMs: OUTAGE_MS,
      intervalMs: 50,
      what: () => 'both breakers to open',
    }).catch(() => undefined);

    // The in-flight peak from here on counts probes only: wait for the failing calls of the
    // closed phase to end — at the simulator and at the tap, which records an attempt's end a
    // moment after the simulator has answered — then zero the simulator's counters.
    const closedPhaseDone = () => simulator.stats().in_flight.current === 0 && tap.inFlight() === 0;
    await waitFor(() => (closedPhaseDone() ? true : undefined), { timeoutMs: 3_000, intervalMs: 5 }).catch(() => undefined);
    simulator.resetStats();
    const probeWindowStart = nowMs();

    await holdUntil(faultStart + OUTAGE_MS);
    const probeStats = simulator.stats();
    const faultEnd = nowMs();
    simulator.setFaults([UPSTREAM_LATENCY]);
    const closedAt = await waitFor(async () => ((await bothAre('closed')) ? nowMs() : undefined), {
      timeoutMs: HALF_OPEN_MS + 10_000,
      intervalMs: 100,
      what: () => 'both breakers to close',
    }).catch(() => undefined);
    await holdFor(TAIL_MS);
    const records = await load.stop();
    const samples = await sampler.stop();
    const runEnd = nowMs();

    const attemptsIn = (from: number, to: number) => tap.records.filter((record) => record.arrivedAt >= from && record.arrivedAt < to).length;
    report.check(
      'breakers open on both replicas',
      bothOpenAt !== undefined,
      bothOpenAt === undefined ? 'not both open during the outage' : `both open ${Math.round(bothOpenAt - faultStart)} ms after the outage began`,
    );

    const whileOpen = sentBetween(records, (bothOpenAt ?? faultEnd) + 100, faultEnd);
    const fast = whileOpen.filter((record) => record.status === 503 && record.code === 'dependency_unavailable');
    const fastShare = whileOpen.length === 0 ? 0 : fast.length / whileOpen.length;
    const fastP50 = percentile(fast.map((record) => record.latencyMs), 50) ?? Number.POSITIVE_INFINITY;
    const fastP99 = percentile(fast.map((record) => record.latencyMs), 99);
    report.check(
      'fast 503s while open (≥ 90 % of requests, median below the 200 ms upstream latency)',
      fastShare >= 0.9 && fastP50 < 200,
      `${fast.length} of ${whileOpen.length} requests sent while open got 503 dependency_unavailable (${round(fastShare * 100)} %); ` +
        `their latency p50 ${round(fastP50)} ms, p99 ${round(fastP99)} ms; all statuses ${JSON.stringify(statusCounts(whileOpen))}`,
    );

    const outageRequests = sentBetween(records, faultStart, faultEnd).length;
    const outageAttempts = attemptsIn(faultStart, faultEnd);
    const outageRatio = outageAttempts / Math.max(1, outageRequests);
    const runAttempts = attemptsIn(t0, runEnd);
    const runRatio = runAttempts / Math.max(1, records.length);
    report.check(
      'upstream attempts per client request ≤ 1.2 over the outage window',
      outageRatio <= 1.2,
      `${outageAttempts} upstream attempts for ${outageRequests} client requests sent during the outage (${outageRatio.toFixed(3)})`,
    );
    report.check(
      'upstream attempts per client request ≤ 1.2 over the whole run',
      runRatio <= 1.2,
      `${runAttempts} upstream attempts for ${records.length} client requests (${runRatio.toFixed(3)})`,
    );

    const probes = attemptsIn(probeWindowStart, faultEnd);
    const overlap = tap.maxOverlap(probeWindowStart, faultEnd);
    report.check(
      'one probe at a time across the fleet (simulator in-flight peak ≤ 1)',
      probeStats.in_flight.max <= 1 && overlap <= 1 && probes >= 1,
      `${probes} probes reached the upstream in ${round((faultEnd - probeWindowStart) / 1000)} s of open/half-open ` +
        `(half-open every ${HALF_OPEN_MS} ms); simulator in-flight peak ${probeStats.in_flight.max}, overlapping attempts at the tap ${overlap}` +
        (overlap > 1 ? `; attempts open in the window: ${describeAttempts(tap.records, probeWindowStart, faultEnd)}` : ''),
    );

    const closeMs = closedAt === undefined ? Number.POSITIVE_INFINITY : closedAt - faultEnd;
    const closeBound = HALF_OPEN_MS + 2 * 200 + 1_000;
    report.check(
      `both breakers close within one half-open period + two probes + 1 s of recovery (${closeBound} ms)`,
      closeMs <= closeBound,
      closedAt === undefined ? 'not closed' : `both closed ${Math.round(closeMs)} ms after the upstream recovered`,
    );
    const afterClose = sentBetween(records, (closedAt ?? runEnd) + 500, runEnd);
    report.check(
      'every request after the close succeeds',
      afterClose.length > 0 && afterClose.every((record) => record.status === 200),
      `${afterClose.filter((record) => record.status === 200).length} of ${afterClose.length} requests sent from 0.5 s after the close succeeded ${JSON.stringify(statusCounts(afterClose))}`,
    );
    Object.assign(report.figures, { requests: records.length, statuses: statusCounts(records) });
    report.finish(samples, { start: round((faultStart - t0) / 1000)!, end: round((faultEnd - t0) / 1000)!, label: 'upstream answers 500' }, (m) => t.diagnostic(m));
  });
});

/** Each attempt open in [from, to] as `replica start→end` in ms from `from`, for a failed check's detail. */
function describeAttempts(records: readonly TapRecord[], from: number, to: number): string {
  const open = records.filter((record) => (record.endedAt ?? Number.POSITIVE_INFINITY) >= from && record.arrivedAt <= to);
  const at = (ms: number | undefined) => (ms === undefined ? 'open' : String(Math.round(ms - from)));
  return open.map((record) => `${record.replica ?? '?'} ${at(record.arrivedAt)}→${at(record.endedAt)} (${record.status ?? 'no status'})`).join(', ');
}
