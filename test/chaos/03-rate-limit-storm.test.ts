/**
 * Chaos 3, a 429 storm with Retry-After, under the fleet's outgoing quota. Steady load (8 chats/s
 * short, 6/s full, through HAProxy, each with a 1.5 s deadline) while the simulator answers every
 * chat 429 with Retry-After 2 s for 6 s (short) or 30 s (full).
 *
 * Expected:
 * - The shared rate-limit gate: once any replica got a 429, no replica calls the upstream before
 *   its Retry-After has passed. Checked on the tap's timestamps: no attempt arrives between a 429
 *   leaving the simulator and that 429's Retry-After expiry, except within SLACK_MS of the 429
 *   (attempts that were already on their way, or sent before the 429 reached the replica that
 *   sent them: the "few ms" of transit and pub/sub propagation), and except the calls the gate
 *   held and released together when a Retry-After expired (they arrive over a few tens of ms; the
 *   first of them meets a new 429 and the rest were already past the gate). Both are counted and
 *   reported; anything else inside a Retry-After is a violation.
 * - The outgoing quota holds: LLM_QUOTA_REQUESTS_PER_MIN = 60 is a token bucket that holds one
 *   minute's quota and refills continuously, so the bound for any window of w seconds is
 *   60 + 60 × w / 60 attempts (a full minute may see up to twice the quota right after an idle
 *   spell: the bucket's burst plus its refill). Checked over every window of the run; the largest
 *   count in any 60 s window is reported (full variant).
 * - Clients see 200 or 429 (upstream_rate_limited / upstream_quota_exhausted), never a 502/503.
 *   A 504 deadline_exceeded is tolerated and counted: the gate lets a call wait when its
 *   deadline is even 1 ms beyond the Retry-After, so a call released with almost no time left
 *   meets its deadline on the way to the upstream.
 *
 * Settings: CHAOS_BASE_ENV, LLM_QUOTA_REQUESTS_PER_MIN 60, client deadline X-Request-Timeout-Ms
 * 1 500 (a call that cannot wait for the gate or the quota gets 429 at once).
 */
import { after, before, describe, it } from 'node:test';
import { startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdUntil, nowMs, round } from './support/clock.ts';
import { sentBetween, startLoad, statusCounts } from './support/load-driver.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';
import type { TapRecord } from './support/upstream-tap.ts';

const QUOTA_PER_MIN = 60;
const RATE = byVariant(8, 6);
const STORM_START_MS = byVariant(4_000, 15_000);
const STORM_MS = byVariant(6_000, 30_000);
const RUN_MS = byVariant(22_000, 100_000);
const RETRY_AFTER_S = 2;
/** Transit and propagation allowance after a 429 (see the header). */
const SLACK_MS = 10;
/** How long after a Retry-After expiry the calls the gate let go together may still arrive. */
const RELEASE_MS = 150;

/**
 * Arrivals inside an earlier 429's Retry-After, sorted into: `inFlight`, within SLACK_MS of that
 * 429 (already on their way); `released`, within RELEASE_MS after an earlier Retry-After expired
 * (calls the gate held and let go together when it opened: they passed the gate before the new
 * 429 that met the first of them existed); and `violations`, everything else.
 */
function gateArrivals(records: readonly TapRecord[]) {
  const closures = records.filter((record) => record.status === 429 && record.respondedAt !== undefined && record.retryAfterMs !== undefined);
  const expiries = closures.map((closure) => closure.respondedAt! + closure.retryAfterMs!);
  const inFlight: number[] = [];
  const released: number[] = [];
  const violations: Array<{ offsetMs: number; remainingMs: number; who: string }> = [];
  for (const arrival of records) {
    let worst: { offsetMs: number; remainingMs: number; who: string } | undefined;
    for (const closure of closures) {
      const offsetMs = arrival.arrivedAt - closure.respondedAt!;
      const remainingMs = closure.retryAfterMs! - offsetMs;
      // 1 ms at the far end: the replica's timer firing on time is not a violation.
      if (offsetMs > 0 && remainingMs > 1 && (!worst || offsetMs > worst.offsetMs)) {
        worst = { offsetMs, remainingMs, who: `${arrival.replica ?? '?'} after ${closure.replica ?? '?'}'s 429` };
      }
    }
    if (!worst) continue;
    // Released by an expiry only if every 429 covering it came after that expiry (from the same release).
    const releasedBy = expiries.filter((expiry) => expiry <= arrival.arrivedAt && arrival.arrivedAt - expiry <= RELEASE_MS);
    const oldestCovering = arrival.arrivedAt - worst.offsetMs;
    if (worst.offsetMs <= SLACK_MS) inFlight.push(worst.offsetMs);
    else if (releasedBy.some((expiry) => oldestCovering >= expiry - SLACK_MS)) released.push(worst.offsetMs);
    else violations.push(worst);
  }
  return { closures: closures.length, inFlight, released, violations };
}

/** The largest excess of attempts over the token bucket's bound, over every window of arrivals. */
function quotaExcess(arrivals: readonly number[], perMin: number) {
  let worst = { excess: Number.NEGATIVE_INFINITY, count: 0, seconds: 0 };
  let maxPerMinute = 0;
  for (let i = 0; i < arrivals.length; i++) {
    for (let j = i; j < arrivals.length; j++) {
      const windowMs = arrivals[j]! - arrivals[i]!;
      const count = j - i + 1;
      if (windowMs < 60_000) maxPerMinute = Math.max(maxPerMinute, count);
      const excess = count - (perMin + (perMin * windowMs) / 60_000);
      if (excess > worst.excess) worst = { excess, count, seconds: windowMs / 1000 };
    }
  }
  return { ...worst, maxPerMinute };
}

describe('chaos: 429 storm with Retry-After under the outgoing quota', { timeout: 240_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({ env: { LLM_QUOTA_REQUESTS_PER_MIN: String(QUOTA_PER_MIN) } });
  });
  after(() => stack?.stop());

  it('no replica calls the upstream inside a Retry-After, and the quota holds', async (t) => {
    const report = new ChaosReport('03-rate-limit-storm', '429 storm with Retry-After, under the outgoing quota');
    const { simulator, tap } = stack;
    const t0 = nowMs();
    const load = startLoad({ url: stack.url, ratePerSecond: RATE, headers: { 'x-request-timeout-ms': '1500' } });
    const sampler = startSampler(stack, { t0, records: () => [load.records] });

    await holdUntil(t0 + STORM_START_MS);
    const stormStart = nowMs();
    const stormRule = simulator.addFault({ route: 'chat', fault: { type: 'error', status: 429, retryAfterS: RETRY_AFTER_S } });
    await holdUntil(stormStart + STORM_MS);
    simulator.removeFault(stormRule);
    const stormEnd = nowMs();
    await holdUntil(t0 + RUN_MS);
    const records = await load.stop();
    const samples = await sampler.stop();
    const runEnd = nowMs();

    const attempts = tap.records.filter((record) => record.arrivedAt >= t0 - 1_000);
    const { closures, inFlight, released, violations } = gateArrivals(attempts);
    report.check('the storm reached the replicas', closures >= 2, `${closures} upstream 429s (Retry-After ${RETRY_AFTER_S} s)`);
    report.check(
      `no upstream attempt inside a Retry-After (beyond ${SLACK_MS} ms of transit and propagation)`,
      violations.length === 0,
      `${attempts.length} upstream attempts, ${closures} of them answered 429; inside an earlier 429's Retry-After arrived ` +
        `${inFlight.length} within ${SLACK_MS} ms of it (offsets ${inFlight.map((offset) => round(offset)).join(', ') || 'none'} ms), ` +
        `${released.length} released together when a Retry-After expired (≤ ${RELEASE_MS} ms after it; offsets from the newer 429 up to ${round(Math.max(0, ...released))} ms), ` +
        `${violations.length} violations (${violations.slice(0, 10).map((arrival) => `${arrival.who}: ${round(arrival.offsetMs)} ms after it, ${round(arrival.remainingMs)} ms left`).join(', ') || 'none'})`,
    );

    const arrivals = attempts.map((record) => record.arrivedAt).sort((a, b) => a - b);
    const quota = quotaExcess(arrivals, QUOTA_PER_MIN);
    report.check(
      `the outgoing quota holds: attempts in any window of w s ≤ ${QUOTA_PER_MIN} + ${QUOTA_PER_MIN} × w / 60`,
      quota.excess <= 1,
      `${arrivals.length} attempts in ${round((runEnd - t0) / 1000)} s against a bound of ${Math.floor(QUOTA_PER_MIN + (QUOTA_PER_MIN * (runEnd - t0)) / 60_000)}; ` +
        `tightest window: ${quota.count} attempts in ${round(quota.seconds)} s (excess ${round(quota.excess)}); most in any 60 s window: ${quota.maxPerMinute}`,
    );
    // A call the gate or the quota held until its deadline was nearly spent may meet the
    // deadline on its way to the upstream: 504 deadline_exceeded is the client's own deadline.
    const failures = records.filter((record) => (record.status >= 500 && record.code !== 'deadline_exceeded') || record.status === 0);
    report.check(
      'clients get 200 or 429 (or 504 deadline_exceeded, their own deadline), never an upstream or breaker 5xx',
      failures.length === 0,
      `${JSON.stringify(statusCounts(records))} (storm t = ${round((stormStart - t0) / 1000)}–${round((stormEnd - t0) / 1000)} s)`,
    );
    report.figures.duringStorm = statusCounts(sentBetween(records, stormStart, stormEnd));
    report.figures.afterStorm = statusCounts(sentBetween(records, stormEnd, runEnd));
    report.finish(
      samples,
      { start: round((stormStart - t0) / 1000)!, end: round((stormEnd - t0) / 1000)!, label: `upstream answers 429, Retry-After ${RETRY_AFTER_S} s` },
      (m) => t.diagnostic(m),
    );
  });
});
