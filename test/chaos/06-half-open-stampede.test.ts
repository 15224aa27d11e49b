/**
 * Chaos 6, half-open stampede. Light steady load (5 chats/s through HAProxy) while the upstream
 * fails (500 after 300 ms), until both breakers are open (the steady load stops there, so the
 * probe is one of the stampede's requests); then, at the moment the breakers half-open,
 * 500 clients send a chat at once (on connections opened beforehand), twice (short) or five times
 * (full), one stampede per half-open period. The upstream still fails, so each probe fails and
 * re-opens the breaker.
 *
 * Expected: never more than one probe in flight at the upstream across the fleet (the simulator's
 * in-flight peak over the stampede phase is 1; every answer takes 300 ms, so a second probe would
 * overlap it), and the rest of each stampede rejected at once with 503  (the failed probe's own request
 * meets the re-opened breaker on its retry and gets 503 too; at most two, the probes of this and
 * perhaps the next half-open period, may answer 502 instead). Their latency is recorded, not asserted.
 *
 * Settings: CHAOS_BASE_ENV, LLM_BREAKER_HALF_OPEN_AFTER_MS 2 000 (short) / 5 000 (full).
 */
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { breakerSnapshot, breakerState, INSTANCES, startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdFor, holdUntil, nowMs, percentile, round } from './support/clock.ts';
import { clientAgent, sendChat, startLoad, statusCounts, type RequestRecord } from './support/load-driver.ts';
import { waitFor } from '../support/wait-for.ts';
import { scrape } from './support/metrics.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';

const HALF_OPEN_MS = byVariant(2_000, 5_000);
const STAMPEDES = byVariant(2, 5);
const CLIENTS = 500;
const PROBE_LATENCY_MS = 300;
/** Steady load before the upstream fails, and after the breakers close again. */
const LEAD_MS = 2_000;
const TAIL_MS = 1_000;

describe('chaos: half-open stampede', { timeout: 240_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({ env: { LLM_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS) } });
  });
  after(() => stack?.stop());

  it('lets one probe through across the fleet and rejects the rest of 500 clients at once', async (t) => {
    const report = new ChaosReport('06-half-open-stampede', `Half-open stampede (${CLIENTS} clients at once)`);
    const { simulator, tap } = stack;
    const agent = clientAgent(CLIENTS + 100);
    const t0 = nowMs();
    const load = startLoad({ url: stack.url, ratePerSecond: 5 });
    const bursts: RequestRecord[][] = [];
    const sampler = startSampler(stack, { t0, records: () => [load.records, ...bursts] });
    const bothAre = async (...states: string[]) =>
      (await Promise.all(INSTANCES.map((name) => breakerState(stack.instances[name].url)))).every((state) => states.includes(state));

    await holdFor(LEAD_MS);
    const faultStart = nowMs();
    simulator.setFaults([
      { route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: PROBE_LATENCY_MS } } },
      { route: 'chat', fault: { type: 'error', status: 500 } },
    ]);
    const openedAt = await waitFor(async () => ((await bothAre('open', 'half_open')) ? nowMs() : undefined), {
      timeoutMs: 15_000,
      intervalMs: 50,
    }).catch(() => undefined);
    // From here on only the stampedes call: one of them, not a steady-load request, is the probe.
    await load.stop();
    // Idle at the simulator and at the tap, which records an attempt's end a moment later.
    const idle = () => simulator.stats().in_flight.current === 0 && tap.inFlight() === 0;
    await waitFor(() => (idle() ? true : undefined), { timeoutMs: 3_000, intervalMs: 5 }).catch(() => undefined);
    simulator.resetStats();
    const windowStart = nowMs();

    const stampedes: Array<{ firedAt: number; records: RequestRecord[]; upstream: number; upstreamDetail: string; stateBefore: string }> = [];
    for (let index = 0; index < STAMPEDES; index++) {
      // The next half-open moment: wait for an open breaker and read how long it has left.
      const snapshot = await waitFor(async () => {
        const found = await breakerSnapshot(stack.instances.a.url);
        return found?.state === 'open' && found.half_open_in_ms > 900 ? found : undefined;
      }, { timeoutMs: HALF_OPEN_MS + 5_000, intervalMs: 20 });
      const halfOpenAt = nowMs() + snapshot.half_open_in_ms;
      // Open the clients' connections beforehand, so the stampede is requests, not handshakes.
      await holdUntil(halfOpenAt - 800);
      await Promise.all(
        Array.from({ length: CLIENTS }, () =>
          request(`${stack.url}/health/live`, { dispatcher: agent }).then((response) => response.body.text(), () => undefined),
        ),
      );
      await holdUntil(halfOpenAt + 20);
      const stateBefore = await breakerState(stack.instances.a.url);
      const firedAt = nowMs();
      const records = await Promise.all(Array.from({ length: CLIENTS }, () => sendChat(agent, stack.url, { kind: 'chat', model: 'gpt-4o-mini' })));
      bursts.push(records);
      const lastEnd = Math.max(...records.map((record) => record.endedAt));
      const arrivals = tap.records.filter((record) => record.arrivedAt >= firedAt && record.arrivedAt <= lastEnd);
      const upstream = arrivals
        .map((record) => `${record.replica} +${Math.round(record.arrivedAt - firedAt)}–${record.endedAt === undefined ? '?' : Math.round(record.endedAt - firedAt)} ms`)
        .join(', ');
      stampedes.push({ firedAt, records, upstream: arrivals.length, upstreamDetail: upstream, stateBefore });
    }
    const windowEnd = nowMs();
    const stats = simulator.stats();
    const overlap = tap.maxOverlap(windowStart, windowEnd);
    // When a replica cannot reach Redis in time (≤ REDIS_TIMEOUT_MS) it probes on its own: show
    // how often the fleet's breaker fell back to local state over the stampedes.
    const fallbacks = await Promise.all(
      INSTANCES.map(async (name) => {
        const metrics = await scrape(stack.instances[name].url);
        const reasons = stack.instances[name].process
          .logs()
          .filter((line) => line.msg === 'shared state degraded: this replica uses local state for the feature' && line.feature === 'circuit_breakers')
          .map((line) => String(line.reason));
        return `${name}: ${metrics?.sum('levee_shared_state_fallbacks_total', { feature: 'circuit_breakers' }) ?? '?'} fallbacks${reasons.length ? ` (${reasons.join(', ')})` : ''}`;
      }),
    );

    simulator.clearFaults();
    const faultEnd = nowMs();
    // Probes need callers: steady load again, so the breakers can close.
    const recovery = startLoad({ url: stack.url, ratePerSecond: 5 });
    bursts.push(recovery.records);
    const closed = await waitFor(async () => ((await bothAre('closed')) ? true : undefined), { timeoutMs: HALF_OPEN_MS + 10_000, intervalMs: 100 }).catch(
      () => false,
    );
    await holdFor(TAIL_MS);
    await recovery.stop();
    const samples = await sampler.stop();
    await agent.close();

    report.check(
      'both breakers open before the stampedes',
      openedAt !== undefined,
      openedAt === undefined ? 'not both open within 15 s' : `both open ${Math.round(openedAt - faultStart)} ms after the upstream began failing`,
    );
    report.check(
      'never more than one probe in flight at the upstream (simulator in-flight peak ≤ 1)',
      stats.in_flight.max <= 1 && overlap <= 1,
      `over ${round((windowEnd - windowStart) / 1000)} s with ${STAMPEDES} stampedes of ${CLIENTS}: simulator in-flight peak ${stats.in_flight.max}, ` +
        `${stats.by_route.chat} chat calls reached it, overlapping attempts at the tap ${overlap}; ` +
        `circuit-breaker operations that fell back to local state: ${fallbacks.join('; ')}`,
    );
    for (const [index, stampede] of stampedes.entries()) {
      const rejected = stampede.records.filter((record) => record.status === 503);
      const others = stampede.records.filter((record) => record.status !== 503);
      const latencies = rejected.map((record) => record.latencyMs);
      const spreadMs = Math.max(...stampede.records.map((record) => record.endedAt)) - stampede.firedAt;
      report.check(
        `stampede ${index + 1}: rejected with 503 (≥ ${CLIENTS - 2} of ${CLIENTS}; any other a 502 failed probe)`,
        rejected.length >= CLIENTS - 2 && others.every((record) => record.status === 502),
        `breaker ${stampede.stateBefore} when fired; ${JSON.stringify(statusCounts(stampede.records))}; ${stampede.upstream} reached the upstream (${stampede.upstreamDetail}); ` +
          `503 latency p50 ${round(percentile(latencies, 50))} ms, p99 ${round(percentile(latencies, 99))} ms; all answered within ${Math.round(spreadMs)} ms`,
      );
    }
    report.check('both breakers close after the upstream recovers', closed === true, closed ? 'closed' : 'not closed within half-open + 10 s');
    report.finish(
      samples,
      { start: round((faultStart - t0) / 1000)!, end: round((faultEnd - t0) / 1000)!, label: `upstream answers 500 after ${PROBE_LATENCY_MS} ms` },
      (m) => t.diagnostic(m),
    );
  });
});
