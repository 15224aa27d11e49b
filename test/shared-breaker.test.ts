/**
 * Two replicas sharing one Redis: the LLM breaker counts both replicas' failures together, an
 * opening reaches the other replica within 250 ms, half-open lets exactly one probe through across
 * the fleet, a restarted replica starts open, a provider's 429 holds both back, and admin actions
 * act on the whole fleet.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startFleet, type Fleet } from './support/fleet.ts';
import { waitFor } from './support/wait-for.ts';

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

async function breakerState(url: string): Promise<string> {
  const body = (await (await fetch(`${url}/health/circuit-breakers`)).json()) as { circuit_breakers: { 'llm/default': { state: string } } };
  return body.circuit_breakers['llm/default'].state;
}

const admin = (url: string, action: string) =>
  fetch(`${url}/admin/circuit-breakers/llm/default/${action}`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789' } });

/** Load pacing: a caller's pause between calls, so loops meeting the open breaker's instant 503s do not spin. */
const BETWEEN_CALLS_MS = 10;

const chatRequestsSeen = (fleet: Fleet) => fleet.simulator.requests().filter((entry) => entry.route === 'chat');

describe('shared circuit breaker across replicas', () => {
  let fleet: Fleet;
  before(async () => {
    // One attempt per request (each failed request is one breaker failure); 5 failures open it.
    fleet = await startFleet({ env: { LLM_RETRY_MAX_ATTEMPTS: '1', LLM_BREAKER_MIN_FAILURES: '5', LLM_BREAKER_HALF_OPEN_AFTER_MS: '4000' } });
  });
  after(() => fleet.stop());

  it('opens on the aggregate of both replicas and rejects on the other within 250 ms without calling the provider', async () => {
    const [a, b] = fleet.replicas as [(typeof fleet.replicas)[0], (typeof fleet.replicas)[0]];
    fleet.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    for (let i = 0; i < 3; i++) assert.equal((await chat(a.url)).status, 502);
    for (let i = 0; i < 2; i++) assert.equal((await chat(b.url)).status, 502);
    const lastFailure = performance.now();
    // Each replica alone saw fewer than 5 failures: only the shared count can open it.
    await waitFor(async () => ((await breakerState(a.url)) === 'open' && (await breakerState(b.url)) === 'open' ? true : undefined), {
      timeoutMs: 2_000,
      intervalMs: 5,
      what: () => 'both breakers open',
    });
    const propagationMs = performance.now() - lastFailure;
    assert.ok(propagationMs <= 250, `open reached both replicas after ${Math.round(propagationMs)} ms`);

    fleet.simulator.reset();
    for (const replica of [a, b]) {
      const response = await chat(replica.url);
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'dependency_unavailable');
      assert.ok(Number(response.headers.get('retry-after')) >= 1);
    }
    assert.equal(chatRequestsSeen(fleet).length, 0, 'an open breaker must not call the provider');
  });

  it('replica A restarted while the breaker is open starts open', async () => {
    await fleet.replicas[0]!.stop();
    const restarted = await fleet.spawnReplica();
    fleet.replicas[0] = restarted;
    assert.equal(await breakerState(restarted.url), 'open');
    assert.equal((await chat(restarted.url)).status, 503);
    assert.equal(chatRequestsSeen(fleet).length, 0);
  });

  it('half-open admits one probe across the fleet, and two good probes close it on both replicas', async () => {
    const { replicas } = fleet;
    // Slow successes: a probe takes 400 ms, so overlapping probes would show in the arrival times.
    fleet.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 400 } } }]);
    let closed = false;
    const load = replicas.flatMap((replica) =>
      Array.from({ length: 3 }, async () => {
        while (!closed) {
          await (await chat(replica.url)).arrayBuffer();
          await delay(BETWEEN_CALLS_MS);
        }
      }),
    );
    await waitFor(async () => ((await breakerState(replicas[0]!.url)) === 'closed' && (await breakerState(replicas[1]!.url)) === 'closed' ? true : undefined), {
      timeoutMs: 10_000,
      what: () => 'both breakers closed',
    });
    closed = true;
    await Promise.all(load);
    const arrivals = chatRequestsSeen(fleet).map((entry) => Date.parse(entry.at));
    assert.ok(arrivals.length >= 3, `expected two probes and traffic after closing, saw ${arrivals.length} requests`);
    // Probe 2 starts only after probe 1 answered; anything else only after probe 2 closed it.
    assert.ok(arrivals[1]! - arrivals[0]! >= 390, `second request ${arrivals[1]! - arrivals[0]!} ms after the first: probes overlapped`);
    assert.ok(arrivals[2]! - arrivals[1]! >= 390, `third request ${arrivals[2]! - arrivals[1]!} ms after the second: probes overlapped`);
  });

  it("one replica's upstream 429 holds every replica back", async () => {
    const [a, b] = fleet.replicas as [(typeof fleet.replicas)[0], (typeof fleet.replicas)[0]];
    fleet.simulator.reset();
    fleet.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'error', status: 429, retryAfterS: 30 } }]);
    // A short deadline: waiting 30 s is not possible, so the gate answers at once.
    const first = await fetch(`${a.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-timeout-ms': '2000' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(first.status, 429);
    await waitFor(
      async () => {
        const health = (await (await fetch(`${b.url}/health/detailed`)).json()) as { checks: { llm: { providers: { default: { rate_limited_for_ms: number } } } } };
        return health.checks.llm.providers.default.rate_limited_for_ms > 20_000 ? true : undefined;
      },
      { timeoutMs: 1_000, intervalMs: 5, what: () => "A's 429 to reach B" },
    );
    const held = await fetch(`${b.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-timeout-ms': '2000' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(held.status, 429);
    assert.equal(((await held.json()) as { error: { code: string } }).error.code, 'upstream_rate_limited');
    assert.ok(Number(held.headers.get('retry-after')) > 20);
    assert.equal(chatRequestsSeen(fleet).length, 1, 'only the request that met the 429 reached the provider');
  });

  it('admin isolate and reset act on the whole fleet', async () => {
    const [a, b] = fleet.replicas as [(typeof fleet.replicas)[0], (typeof fleet.replicas)[0]];
    assert.equal((await admin(a.url, 'isolate')).status, 200);
    await waitFor(async () => ((await breakerState(b.url)) === 'isolated' ? true : undefined), { timeoutMs: 1_000, what: () => 'B isolated' });
    assert.equal((await admin(b.url, 'reset')).status, 200);
    await waitFor(async () => ((await breakerState(a.url)) === 'closed' ? true : undefined), { timeoutMs: 1_000, what: () => 'A closed' });
  });
});
