/**
 * Redis dying under load: two replicas keep answering every request on local state (no client
 * request fails because of it, none waits on Redis past its attempt timeout), the degraded metric
 * says so, and once Redis is back shared mode resumes on its own within 5 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFleet, type Fleet } from './support/fleet.ts';
import { waitFor } from './support/wait-for.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';

/**
 * Answers the load must have had in a phase (Redis up, Redis gone) before the next begins: each
 * of its 4 loops through it several times, so the phase is exercised rather than merely begun.
 */
const ANSWERS_PER_PHASE = 20;

interface LoadResult {
  statuses: number[];
  slowestMs: number;
}

/** Chat requests from `loops` loops per replica until stopped; every request touches Redis (the IP limit). */
function steadyLoad(fleet: Fleet, loops: number) {
  let running = true;
  const result: LoadResult = { statuses: [], slowestMs: 0 };
  const workers = fleet.replicas.flatMap((replica) =>
    Array.from({ length: loops }, async () => {
      while (running) {
        const started = performance.now();
        const response = await fetch(`${replica.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await response.arrayBuffer();
        result.slowestMs = Math.max(result.slowestMs, performance.now() - started);
        result.statuses.push(response.status);
      }
    }),
  );
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}

/** Waits until the load has had `count` more answers than it had when called. */
async function moreAnswers(load: ReturnType<typeof steadyLoad>, count: number, what: string): Promise<void> {
  const target = load.result.statuses.length + count;
  await waitFor(() => load.result.statuses.length >= target, { timeoutMs: 5_000, what: `${count} ${what}` });
}

const degraded = (url: string) => scrapeMetric(url, 'levee_shared_state_degraded', { feature: 'circuit_breakers' });
const allReplicas = async (fleet: Fleet, predicate: (url: string) => Promise<boolean>) =>
  (await Promise.all(fleet.replicas.map((replica) => predicate(replica.url)))).every(Boolean) ? true : undefined;

describe('Redis outage under load', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({
      env: { RATE_LIMIT_IP_PER_MIN: '1000000', REDIS_TIMEOUT_MS: '100', REDIS_BREAKER_HALF_OPEN_AFTER_MS: '1000' },
    });
  });
  after(() => fleet.stop());

  it('a killed Redis fails no request; shared mode resumes within 5 s of its restart', async () => {
    const load = steadyLoad(fleet, 2);
    await moreAnswers(load, ANSWERS_PER_PHASE, 'answers in shared mode before the kill');
    await fleet.redis.kill();
    await waitFor(() => allReplicas(fleet, async (url) => (await degraded(url)) === 1), { timeoutMs: 3_000, what: () => 'degraded metric on both replicas' });
    await moreAnswers(load, ANSWERS_PER_PHASE, 'answers on local state while Redis is dead');

    await fleet.redis.restart();
    const restarted = performance.now();
    await waitFor(() => allReplicas(fleet, async (url) => (await degraded(url)) === 0), { timeoutMs: 5_000, what: () => 'shared mode to resume' });
    const resumedAfterMs = performance.now() - restarted;
    const { statuses } = await load.stop();

    assert.ok(resumedAfterMs <= 5_000, `resumed after ${Math.round(resumedAfterMs)} ms`);
    assert.ok(statuses.length > 20, `load ran (${statuses.length} requests)`);
    assert.deepEqual([...new Set(statuses)], [200], 'every request succeeded');
    const health = (await (await fetch(`${fleet.replicas[0]!.url}/health/detailed`)).json()) as { checks: { redis: { status: string } } };
    assert.equal(health.checks.redis.status, 'ok');
  });

  it('a Redis that stops answering (SIGSTOP) makes no request wait on it, and none fails', async () => {
    const load = steadyLoad(fleet, 2);
    await moreAnswers(load, ANSWERS_PER_PHASE, 'answers in shared mode before the pause');
    fleet.redis.pause();
    try {
      await waitFor(() => allReplicas(fleet, async (url) => (await degraded(url)) === 1), { timeoutMs: 3_000, what: () => 'degraded metric on both replicas' });
      await moreAnswers(load, ANSWERS_PER_PHASE, 'answers on local state while Redis is paused');
      const ready = await fetch(`${fleet.replicas[0]!.url}/health/ready`);
      assert.equal(ready.status, 200, 'Redis is optional: readiness holds');
    } finally {
      fleet.redis.resume();
    }
    await waitFor(() => allReplicas(fleet, async (url) => (await degraded(url)) === 0), { timeoutMs: 5_000, what: () => 'shared mode to resume' });
    const { statuses, slowestMs } = await load.stop();
    assert.deepEqual([...new Set(statuses)], [200], 'every request succeeded');
    // A request may meet one Redis timeout (100 ms) on the way; a hang would show as seconds.
    assert.ok(slowestMs < 1_000, `slowest request took ${Math.round(slowestMs)} ms`);
  });
});
