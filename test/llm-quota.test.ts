/**
 * The fleet's outgoing LLM quota, with two replicas sharing one Redis: requests per minute are
 * counted across both (the rest answered 429 upstream_quota_exhausted at once, never reaching the
 * provider), concurrent requests never exceed the quota at the provider (calls wait instead), and
 * with Redis gone each replica keeps serving on its local share.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startFleet, type Fleet } from './support/fleet.ts';
import type { LeveeProcess } from './support/levee-process.ts';

const chat = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

/** `count` chat requests at once, alternating between the replicas. */
async function burst(replicas: LeveeProcess[], count: number, headers: Record<string, string> = {}) {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const started = performance.now();
      const response = await chat(replicas[index % replicas.length]!.url, headers);
      const body = (await response.json()) as { error?: { code: string } };
      return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
    }),
  );
}

async function quotaHealth(url: string): Promise<Record<string, unknown>> {
  const body = (await (await fetch(`${url}/health/detailed`)).json()) as { checks: { llm: { providers: { default: { quota: Record<string, unknown> } } } } };
  return body.checks.llm.providers.default.quota;
}

describe('shared outgoing LLM quota', () => {
  let fleet: Fleet;
  let replicas: LeveeProcess[] = [];
  const spawnPair = async (env: Record<string, string>) => {
    replicas = await Promise.all([fleet.spawnReplica(env), fleet.spawnReplica(env)]);
    return replicas;
  };

  before(async () => {
    // Each scenario starts its own pair of replicas on one Redis and one simulator.
    fleet = await startFleet({ replicas: 0 });
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    fleet.simulator.clearFaults();
    fleet.simulator.resetStats();
  });
  after(() => fleet.stop());

  it('requests per minute are counted across the fleet: the rest get 429 at once without reaching the provider', async () => {
    const pair = await spawnPair({ LLM_QUOTA_REQUESTS_PER_MIN: '10' });
    fleet.simulator.resetStats();
    const results = await burst(pair, 20, { 'X-Request-Timeout-Ms': '1000' });

    assert.equal(fleet.simulator.stats().by_route.chat, 10, 'exactly the quota reached the provider');
    const ok = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 429);
    assert.equal(ok.length, 10);
    assert.equal(refused.length, 10);
    for (const result of refused) {
      assert.equal(result.code, 'upstream_quota_exhausted');
      assert.ok(Number(result.retryAfter) >= 1, `Retry-After ${result.retryAfter}`);
      assert.ok(result.ms < 500, `refused at once, not at the deadline (${Math.round(result.ms)} ms)`);
    }

    const [a, b] = await Promise.all(pair.map((replica) => quotaHealth(replica.url)));
    assert.equal(a!.mode, 'shared');
    assert.equal(a!.requests_available, 0);
    assert.equal(b!.requests_available, 0);
  });

  it('concurrent requests across the fleet never exceed the quota at the provider; the others wait their turn', async () => {
    const pair = await spawnPair({ LLM_QUOTA_CONCURRENT: '2' });
    fleet.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 300 } } }]);
    fleet.simulator.resetStats();
    const started = Date.now();
    const results = await burst(pair, 8);
    const elapsed = Date.now() - started;

    assert.deepEqual(
      results.map((result) => result.status),
      Array(8).fill(200),
    );
    const stats = fleet.simulator.stats();
    assert.equal(stats.by_route.chat, 8);
    assert.ok(stats.in_flight.max <= 2, `at most 2 in flight at the provider (saw ${stats.in_flight.max})`);
    assert.ok(elapsed >= 4 * 300, `8 calls of 300 ms, 2 at a time, take 4 rounds (took ${elapsed} ms)`);
  });

  it('with Redis gone, each replica keeps serving on local state: no 5xx', async () => {
    const pair = await spawnPair({ LLM_QUOTA_REQUESTS_PER_MIN: '1000', LLM_QUOTA_CONCURRENT: '2', LLM_QUOTA_TOKENS_PER_MIN: '1000000' });
    assert.deepEqual(
      (await burst(pair, 4)).map((result) => result.status),
      Array(4).fill(200),
    );
    await fleet.redis.kill();
    try {
      const results = await burst(pair, 8);
      assert.deepEqual(
        results.map((result) => result.status),
        Array(8).fill(200),
      );
      const health = await quotaHealth(pair[0]!.url);
      assert.equal(health.mode, 'local');
    } finally {
      await fleet.redis.restart();
    }
  });
});
