/**
 * The LLM breaker against real faults: 100 % 500s open it; open, it answers 503
 * dependency_unavailable with Retry-After without reaching the simulator; after the half-open
 * delay one probe goes through, and two good probes close it. Metrics show every transition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => pattern.test(candidate));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

describe('LLM circuit breaker', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    // One attempt per request, so each request is one breaker failure.
    stack = await startLeveeWithSimulator({ LLM_RETRY_MAX_ATTEMPTS: '1', LLM_BREAKER_HALF_OPEN_AFTER_MS: '1500' });
  });
  after(() => stack.stop());

  it('opens, fails fast, probes one at a time and closes after two good probes', async () => {
    const { levee, simulator } = stack;
    assert.equal(await metric(levee.url, /^levee_circuit_breaker_state\{dependency="llm",provider="default",state="closed"\}/), 1);
    simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);

    for (let request = 0; request < 5; request++) {
      const response = await chat(levee.url);
      assert.equal(response.status, 502);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'upstream_error');
    }
    assert.equal(simulator.stats().by_route.chat, 5);
    assert.equal(await metric(levee.url, /^levee_circuit_breaker_state\{dependency="llm",provider="default",state="open"\}/), 1);

    // Open: answered at once, nothing reaches the upstream.
    const rejected = await chat(levee.url);
    assert.equal(rejected.status, 503);
    const retryAfter = Number(rejected.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    assert.equal(((await rejected.json()) as { error: { code: string } }).error.code, 'dependency_unavailable');
    assert.equal(simulator.stats().by_route.chat, 5);

    // Recovery: after the half-open delay, probes go one at a time.
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 300 } } }]);
    simulator.resetStats();
    await waitFor(async () => ((await metric(levee.url, /^levee_circuit_breaker_state\{dependency="llm",provider="default",state="half_open"\}/)) === 1 ? true : undefined), { timeoutMs: 5_000 });
    const burst = await Promise.all(Array.from({ length: 5 }, () => chat(levee.url)));
    const statuses = burst.map((response) => response.status).sort();
    assert.deepEqual(statuses, [200, 503, 503, 503, 503], 'one probe admitted, the rest rejected at once');
    assert.equal(simulator.stats().in_flight.max, 1);
    assert.equal(await metric(levee.url, /^levee_circuit_breaker_state\{dependency="llm",provider="default",state="half_open"\}/), 1, 'one good probe is not enough');

    assert.equal((await chat(levee.url)).status, 200);
    assert.equal(await metric(levee.url, /^levee_circuit_breaker_state\{dependency="llm",provider="default",state="closed"\}/), 1, 'two good probes in a row close it');
    assert.equal(await metric(levee.url, /^levee_circuit_breaker_transitions_total\{dependency="llm",provider="default",from="closed",to="open"\}/), 1);
    assert.equal(await metric(levee.url, /^levee_circuit_breaker_transitions_total\{dependency="llm",provider="default",from="half_open",to="closed"\}/), 1);
    const opened = levee.logs().find((line) => line.msg === 'circuit breaker opened');
    assert.equal(opened?.dependency, 'llm');
  });
});
