/**
 * Chaos 4, Redis killed mid-run. Steady load (20 chats/s through HAProxy, a healthy upstream)
 * while redis-server is SIGKILLed and, 4 s (short) or 30 s (full) later, started again on the
 * same port, empty.
 *
 * Expected: no client request fails (every one is 200: Redis is optional and the upstream is
 * healthy, so any failure would be Redis's); both replicas report the loss
 * (levee_shared_state_degraded = 1) and resume shared state on their own once Redis is back:
 * every levee_shared_state_degraded series back to 0 on both replicas within 5 s of the restart
 * (the README's bound), and /health/detailed's redis check ok again.
 *
 * Settings: CHAOS_BASE_ENV; Redis's policies at their defaults (100 ms command timeout, breaker
 * 3 failures, skip Redis 30 s or until it reconnects, reconnects 100 ms doubling to 1 s).
 */
import { after, before, describe, it } from 'node:test';
import { INSTANCES, startChaosStack, type ChaosStack } from './support/chaos-stack.ts';
import { holdFor, holdUntil, nowMs, round } from './support/clock.ts';
import { sentBetween, startLoad, statusCounts } from './support/load-driver.ts';
import { scrape } from './support/metrics.ts';
import { waitFor } from '../support/wait-for.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';

const RATE = 20;
const KILL_AT_MS = byVariant(4_000, 10_000);
const DOWN_MS = byVariant(4_000, 30_000);
const TAIL_MS = byVariant(4_000, 15_000);
const RESUME_BOUND_MS = 5_000;
const FEATURES = ['circuit_breakers', 'rate_limits', 'quotas', 'caches'];

/** Each replica's degraded flags, e.g. { a: { circuit_breakers: 0, … }, b: … } (missing features left out). */
async function degraded(stack: ChaosStack): Promise<Record<string, Record<string, number>>> {
  const entries = await Promise.all(
    INSTANCES.map(async (name) => {
      const metrics = await scrape(stack.instances[name].url, 1_000);
      const flags: Record<string, number> = {};
      for (const feature of FEATURES) {
        const value = metrics?.get('levee_shared_state_degraded', { feature }) ?? Number.NaN;
        if (!Number.isNaN(value)) flags[feature] = value;
      }
      return [name, flags] as const;
    }),
  );
  return Object.fromEntries(entries);
}

describe('chaos: Redis killed and restarted', { timeout: 180_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack();
  });
  after(() => stack?.stop());

  it('no request fails, and shared state resumes on both replicas after the restart', async (t) => {
    const report = new ChaosReport('04-redis-kill', 'Redis killed (SIGKILL) and restarted');
    const t0 = nowMs();
    const load = startLoad({ url: stack.url, ratePerSecond: RATE });
    const sampler = startSampler(stack, { t0, records: () => [load.records] });

    await holdUntil(t0 + KILL_AT_MS);
    const killedAt = nowMs();
    await stack.redis.kill();
    const sawDegraded = await waitFor(
      async () => {
        const flags = await degraded(stack);
        return INSTANCES.every((name) => flags[name]!.circuit_breakers === 1) ? flags : undefined;
      },
      { timeoutMs: DOWN_MS, intervalMs: 100 },
    ).catch(() => undefined);
    const degradedAfterMs = nowMs() - killedAt;
    await holdUntil(killedAt + DOWN_MS);
    const flagsWhileDown = await degraded(stack);
    await stack.redis.restart();
    const restartedAt = nowMs();
    const resumedAt = await waitFor(
      async () => {
        const flags = await degraded(stack);
        const all = INSTANCES.flatMap((name) => Object.values(flags[name]!));
        return all.length > 0 && all.every((value) => value === 0) ? nowMs() : undefined;
      },
      { timeoutMs: RESUME_BOUND_MS + 5_000, intervalMs: 100 },
    ).catch(() => undefined);
    const flagsAfter = await degraded(stack);
    await holdFor(TAIL_MS);
    const records = await load.stop();
    const samples = await sampler.stop();
    const redisChecks = await Promise.all(
      INSTANCES.map(async (name) => {
        const body = (await (await fetch(`${stack.instances[name].url}/health/detailed`)).json()) as { checks: { redis?: { status: string } } };
        return body.checks.redis?.status ?? 'absent';
      }),
    );

    const failed = records.filter((record) => record.status !== 200);
    report.check(
      'no client request fails (0 failures attributable to Redis)',
      failed.length === 0 && records.length > 0,
      `${records.length - failed.length} of ${records.length} requests succeeded ${JSON.stringify(statusCounts(records))}; ` +
        `while Redis was down: ${JSON.stringify(statusCounts(sentBetween(records, killedAt, restartedAt)))}`,
    );
    report.check(
      'both replicas report the loss (levee_shared_state_degraded{feature="circuit_breakers"} = 1)',
      sawDegraded !== undefined,
      sawDegraded ? `after ${Math.round(degradedAfterMs)} ms; just before the restart ${JSON.stringify(flagsWhileDown)}` : `never both: ${JSON.stringify(flagsWhileDown)}`,
    );
    const resumeMs = resumedAt === undefined ? Number.POSITIVE_INFINITY : resumedAt - restartedAt;
    report.check(
      `shared state resumes on both replicas within ${RESUME_BOUND_MS} ms of the restart (every degraded flag 0)`,
      resumeMs <= RESUME_BOUND_MS,
      `${resumedAt === undefined ? 'not resumed' : `resumed ${Math.round(resumeMs)} ms after the restart`}: ${JSON.stringify(flagsAfter)}`,
    );
    report.check('the redis check is ok again on both', redisChecks.every((status) => status === 'ok'), `checks.redis.status: ${redisChecks.join(', ')}`);
    report.finish(
      samples,
      { start: round((killedAt - t0) / 1000)!, end: round((restartedAt - t0) / 1000)!, label: 'redis-server killed (SIGKILL)' },
      (m) => t.diagnostic(m),
    );
  });
});
