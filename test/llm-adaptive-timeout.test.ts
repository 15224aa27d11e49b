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

describe('adaptive attempt timeout', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator({ LLM_TIMEOUT_FLOOR_MS: '100', LLM_TIMEOUT_WINDOW_MS: '6000', LLM_TIMEOUT_MIN_SAMPLES: '20' });
  });
  after(() => stack.stop());

  it('follows a step from 50 to 400 ms within 10 s, without opening the breaker', async () => {
    const { levee, simulator } = stack;
    simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'step', beforeMs: 50, afterMs: 400, atMs: 3_000 } } }]);
    let stop = false;
    const traffic = driveChat(levee.url, 8, () => stop);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const before = await scrapeMetric(levee.url, 'levee_adaptive_timeout_seconds', CHAT);
      assert.ok(before < 0.4, `before the step the timeout (${before} s) is below the new latency`);

      const stepAt = Date.now() + 500;
      await waitFor(async () => ((await scrapeMetric(levee.url, 'levee_adaptive_timeout_seconds', CHAT)) > 0.4 ? true : undefined), {
        timeoutMs: 10_500,
        intervalMs: 200,
        what: () => 'the timeout to follow the step',
      });
      assert.ok(Date.now() - stepAt <= 10_000);

      // Steady state: once the shift is absorbed, count attempts and timeouts over a few seconds.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const attemptsOf = (outcome: string) => scrapeMetric(levee.url, 'levee_dependency_attempts_total', { dependency: 'llm', operation: 'chat', outcome });
      const [timeouts0, successes0] = [await attemptsOf('timeout'), await attemptsOf('success')];
      await new Promise((resolve) => setTimeout(resolve, 4_000));
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
