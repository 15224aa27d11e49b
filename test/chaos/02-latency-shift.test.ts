/**
 * Chaos 2, latency shift. Steady load (20 chats/s through HAProxy); the simulator answers in a
 * fixed 50 ms, then steps to a fixed 500 ms (P95 50 → 500 ms) 15 s (short) or 30 s (full) in.
 *
 * Expected: before the shift each replica's chat attempt timeout follows the 50 ms P95 (3 × P95,
 * floor 100 ms: about 150 ms); within 10 s of the shift the gauge
 * (levee_adaptive_timeout_seconds{dependency="llm",provider="default",operation="chat"}) rises to at least
 * 0.9 × 3 × 500 ms = 1 350 ms on both replicas; false timeouts (attempts cut by the adaptive
 * timeout although the upstream always answers: levee_dependency_attempts_total{outcome="timeout"})
 * stay under 0.5 % of attempts at steady state on both sides of the shift. Steady state is from
 * 3 s (short) / 8 s (full) after the start (once ≥ 20 samples per replica made the timeout
 * adaptive) to the shift, and for 12 s (short) / 37 s (full) from 1 s after both gauges have
 * risen; the transition between is excluded and reported. The 504 upstream_timeout answers clients got in each window
 * are reported too. The breaker must not open over the shift.
 *
 * Settings: CHAOS_BASE_ENV (attempt timeout floor 100 ms, default 5 s before 20 samples),
 * LLM_TIMEOUT_MULTIPLIER 3, LLM_TIMEOUT_MIN_SAMPLES 20, LLM_TIMEOUT_WINDOW_MS 10 000 (short,
 * shortened so the short run holds a few windows) / 30 000 (full, the default).
 */
import { after, before, describe, it } from 'node:test';
import { INSTANCES, startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdUntil, nowMs, round } from './support/clock.ts';
import { sentBetween, startLoad, statusCounts } from './support/load-driver.ts';
import { chatTimeoutMs, scrape, type MetricsScrape } from './support/metrics.ts';
import { waitFor } from '../support/wait-for.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';

const WINDOW_MS = byVariant(10_000, 30_000);
const WARMUP_MS = byVariant(3_000, 8_000);
const SHIFT_AT_MS = byVariant(15_000, 30_000);
// Measured from 1 s after both timeouts have risen, so a slow rise cannot shrink the sample.
const AFTER_STEADY_MS = byVariant(12_000, 37_000);
// Below 201 attempts a single slip is ≥ 0.5 %: the check would demand zero, not < 0.5 %.
const MIN_ATTEMPTS = 201;
const RATE = 20;
const BEFORE_LATENCY_MS = 50;
const AFTER_LATENCY_MS = 500;
const RISEN_MS = 0.9 * 3 * AFTER_LATENCY_MS;

interface AttemptCounts {
  success: number;
  timeout: number;
  other: number;
}

async function attemptCounts(stack: ChaosStack): Promise<AttemptCounts> {
  const scrapes = await Promise.all(INSTANCES.map((name) => scrape(stack.instances[name].url)));
  const total: AttemptCounts = { success: 0, timeout: 0, other: 0 };
  for (const metrics of scrapes) {
    if (!metrics) throw new Error('a replica did not answer /metrics');
    const labels = { dependency: 'llm', operation: 'chat' };
    const all = metrics.sum('levee_dependency_attempts_total', labels);
    const success = metrics.sum('levee_dependency_attempts_total', { ...labels, outcome: 'success' });
    const timeout = metrics.sum('levee_dependency_attempts_total', { ...labels, outcome: 'timeout' });
    total.success += success;
    total.timeout += timeout;
    total.other += all - success - timeout;
  }
  return total;
}

const between = (from: AttemptCounts, to: AttemptCounts): AttemptCounts => ({
  success: to.success - from.success,
  timeout: to.timeout - from.timeout,
  other: to.other - from.other,
});

async function timeouts(stack: ChaosStack): Promise<Record<string, number>> {
  const entries = await Promise.all(
    INSTANCES.map(async (name) => [name, chatTimeoutMs((await scrape(stack.instances[name].url)) as MetricsScrape)] as const),
  );
  return Object.fromEntries(entries);
}

describe('chaos: latency shift', { timeout: 180_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({ env: { LLM_TIMEOUT_MULTIPLIER: '3', LLM_TIMEOUT_MIN_SAMPLES: '20', LLM_TIMEOUT_WINDOW_MS: String(WINDOW_MS) } });
  });
  after(() => stack?.stop());

  it('the attempt timeout follows a 50 → 500 ms shift within 10 s, with < 0.5 % false timeouts on both sides', async (t) => {
    const report = new ChaosReport('02-latency-shift', 'Latency shift, 50 → 500 ms');
    const t0 = nowMs();
    stack.simulator.setFaults([
      { route: 'chat', fault: { type: 'latency', distribution: { kind: 'step', beforeMs: BEFORE_LATENCY_MS, afterMs: AFTER_LATENCY_MS, atMs: SHIFT_AT_MS } } },
    ]);
    const shiftAt = nowMs() + SHIFT_AT_MS;
    const load = startLoad({ url: stack.url, ratePerSecond: RATE });
    const sampler = startSampler(stack, { t0, records: () => [load.records], adaptiveTimeout: true });

    await holdUntil(t0 + WARMUP_MS);
    const beforeStart = await attemptCounts(stack);
    const beforeStartAt = nowMs();
    await holdUntil(shiftAt - 300);
    const timeoutBefore = await timeouts(stack);
    const beforeEnd = await attemptCounts(stack);
    const beforeEndAt = nowMs();

    const risenAt = await waitFor(
      async () => (Object.values(await timeouts(stack)).every((value) => value >= RISEN_MS) ? nowMs() : undefined),
      { timeoutMs: 15_000, intervalMs: 200, what: () => 'the timeout to rise' },
    ).catch(() => undefined);
    const timeoutRisen = await timeouts(stack);
    const afterStartAt = Math.max(nowMs(), (risenAt ?? nowMs()) + 1_000);
    await holdUntil(afterStartAt);
    const afterStart = await attemptCounts(stack);
    await holdUntil(afterStartAt + AFTER_STEADY_MS);
    const afterEnd = await attemptCounts(stack);
    const afterEndAt = nowMs();
    const timeoutAfter = await timeouts(stack);
    const records = await load.stop();
    const samples = await sampler.stop();

    report.check(
      'before the shift the timeout follows the 50 ms P95',
      INSTANCES.every((name) => timeoutBefore[name]! < AFTER_LATENCY_MS),
      `chat attempt timeout just before the shift: ${JSON.stringify(timeoutBefore)} ms (3 × P95, floor 100 ms)`,
    );
    const riseMs = risenAt === undefined ? Number.POSITIVE_INFINITY : risenAt - shiftAt;
    report.check(
      `the timeout reaches ≥ ${RISEN_MS} ms (0.9 × 3 × 500 ms) on both replicas within 10 s of the shift`,
      riseMs <= 10_000,
      risenAt === undefined
        ? `not risen within 15 s: ${JSON.stringify(timeoutRisen)} ms`
        : `risen ${Math.round(riseMs)} ms after the shift: ${JSON.stringify(timeoutRisen)} ms; at the end ${JSON.stringify(timeoutAfter)} ms`,
    );

    const sides = [
      { side: 'before', counts: between(beforeStart, beforeEnd), from: beforeStartAt, to: beforeEndAt },
      { side: 'after', counts: between(afterStart, afterEnd), from: afterStartAt, to: afterEndAt },
    ];
    for (const { side, counts, from, to } of sides) {
      const attempts = counts.success + counts.timeout + counts.other;
      const ratio = counts.timeout / Math.max(1, attempts);
      const clients = sentBetween(records, from, to);
      const cut = clients.filter((record) => record.status === 504 && record.code === 'upstream_timeout').length;
      report.check(
        `false timeouts < 0.5 % at steady state ${side} the shift`,
        ratio < 0.005 && attempts >= MIN_ATTEMPTS,
        `${counts.timeout} of ${attempts} attempts timed out (${round(ratio * 100)} %) over ${round((to - from) / 1000)} s ` +
          `(t = ${round((from - t0) / 1000)}–${round((to - t0) / 1000)} s); clients: ${cut} of ${clients.length} requests got 504 upstream_timeout ${JSON.stringify(statusCounts(clients))}`,
      );
    }
    const transition = between(beforeEnd, afterStart);
    const transitionClients = sentBetween(records, beforeEndAt, afterStartAt);
    report.figures.transition = {
      seconds: round((afterStartAt - beforeEndAt) / 1000),
      attemptTimeouts: transition.timeout,
      attempts: transition.success + transition.timeout + transition.other,
      clientStatuses: statusCounts(transitionClients),
    };

    const opened = await Promise.all(
      INSTANCES.map(async (name) => (await scrape(stack.instances[name].url))?.sum('levee_circuit_breaker_transitions_total', { dependency: 'llm', to: 'open' }) ?? Number.NaN),
    );
    report.check('the breaker stays closed over the shift', opened.every((count) => count === 0), `transitions to open per replica: ${opened.join(', ')}`);
    report.finish(
      samples,
      { start: round((shiftAt - t0) / 1000)!, end: round((afterEndAt - t0) / 1000)!, label: 'upstream latency 50 → 500 ms' },
      (m) => t.diagnostic(m),
    );
  });
});
