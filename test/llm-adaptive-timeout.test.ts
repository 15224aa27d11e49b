/**
 * The adaptive timeout against a real latency step (50 → 400 ms, floor 100 ms): the timeout gauge
 * follows within 10 s without opening the breaker, few attempts time out at steady state, and a
 * hang is cut at the current timeout rather than at the request deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { driveChat, scrapeMetric } from './support/metrics-scrape.ts';

const CHAT = { dependency: 'llm', operation: 'chat', model: 'gpt-4o-mini' };
const STEP_AT_MS = 3_000;
/** Attempts counted at steady state: what about 4 s of the traffic below makes (8 callers, 400 ms a call). */
const STEADY_STATE_ATTEMPTS = 80;

describe('adaptive attempt timeout', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator({ LLM_TIMEOUT_FLOOR_MS: '100', LLM_TIMEOUT_WINDOW_MS: '6000', LLM_TIMEOUT_MIN_SAMPLES: '20' });
  });
  after(() => stack.stop());

  it('follows a step from 50 to 400 ms within 10 s, without opening the breaker', async () => {
    const { levee, simulator } = stack;
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'step', beforeMs: 50, afterMs: 400, atMs: STEP_AT_MS } } }]);
    // The simulator counts atMs from when it installed the rule: the step comes no later than this.
    const stepAt = Date.now() + STEP_AT_MS;
    const p95 = () => scrapeMetric(levee.url, 'levee_dependency_latency_p95_seconds', CHAT);
    const attemptsOf = (outcome: string) => scrapeMetric(levee.url, 'levee_dependency_attempts_total', { dependency: 'llm', operation: 'chat', outcome });
    let stop = false;
    const traffic = driveChat(levee.url, 8, () => stop);
    try {
      // The timeout adapts once LLM_TIMEOUT_MIN_SAMPLES answers are in; the P95 gauge reads 0 until then.
      await waitFor(async () => (await p95()) > 0, { timeoutMs: 2_500, what: 'the timeout to adapt to the 50 ms latency' });
      const before = await scrapeMetric(levee.url, 'levee_adaptive_timeout_seconds', CHAT);
      assert.ok(before < 0.4, `before the step the timeout (${before} s) is below the new latency`);

      await waitFor(async () => ((await scrapeMetric(levee.url, 'levee_adaptive_timeout_seconds', CHAT)) > 0.4 ? true : undefined), {
        timeoutMs: stepAt + 10_000 - Date.now(), // the bound runs from the step, not from now
        intervalMs: 200,
        what: () => 'the timeout to follow the step',
      });
      assert.ok(Date.now() - stepAt <= 10_000);

      // Steady state: once the shift is absorbed (the latency window's P95 has reached the new
      // 400 ms, within 10 %, so the timeout is 3 × that rather than the escalation that bridged
      // the step), count attempts and timeouts over enough attempts.
      await waitFor(async () => (await p95()) >= 0.36, { timeoutMs: 10_000, intervalMs: 200, what: 'the P95 to reach the new latency' });
      const [timeouts0, successes0] = [await attemptsOf('timeout'), await attemptsOf('success')];
      await waitFor(async () => (await attemptsOf('timeout')) - timeouts0 + ((await attemptsOf('success')) - successes0) >= STEADY_STATE_ATTEMPTS, {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: `${STEADY_STATE_ATTEMPTS} attempts at steady state`,
      });
      const [timeouts1, successes1] = [await attemptsOf('timeout'), await attemptsOf('success')];
      const total = timeouts1 - timeouts0 + (successes1 - successes0);
      assert.ok(total > 30, `enough attempts measured (${total})`);
      assert.ok((timeouts1 - timeouts0) / total < 0.005, `${timeouts1 - timeouts0} of ${total} attempts timed out`);
    } finally {
      stop = true;
      await traffic;
    }
    assert.equal(await scrapeMetric(levee.url, 'levee_circuit_breaker_transitions_total', { dependency: 'llm', from: 'closed', to: 'open' }), 0);
  });

  it('cuts a hang at the current timeout, and the retry answers', async () => {
    const { levee, simulator } = stack;
    const timeoutS = await scrapeMetric(levee.url, 'levee_adaptive_timeout_seconds', CHAT);
    const timeoutsBefore = await scrapeMetric(levee.url, 'levee_dependency_attempts_total', { dependency: 'llm', operation: 'chat', outcome: 'timeout' });
    simulator.addFault({ route: 'chat', count: 1, fault: { type: 'hang' } });
    const started = Date.now();
    const response = await fetch(`${levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200);
    const elapsedS = (Date.now() - started) / 1000;
    // Request deadline is 120 s: the hang was cut near the adaptive timeout instead.
    assert.ok(elapsedS < timeoutS + 2, `answered after ${elapsedS} s with a ${timeoutS} s attempt timeout`);
    assert.equal(await scrapeMetric(levee.url, 'levee_dependency_attempts_total', { dependency: 'llm', operation: 'chat', outcome: 'timeout' }), timeoutsBefore + 1);
  });
});
