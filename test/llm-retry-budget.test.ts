/**
 * A full outage with the breaker disabled: the retry budget alone holds upstream attempts to
 * ≤ 1.2 × client requests plus the budget's floor over its window, though each request may try 3 times.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const REQUESTS = 200;
const FLOOR_PER_SECOND = 3;
const WINDOW_S = 10;

describe('retry budget during a full outage', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator({ LLM_BREAKER_ENABLED: 'false', LLM_RETRY_BUDGET_MIN_PER_SECOND: String(FLOOR_PER_SECOND) });
  });
  after(() => stack.stop());

  it(`${REQUESTS} failing requests cost at most 1.2 × ${REQUESTS} + floor upstream attempts`, async () => {
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    const started = Date.now();
    let sent = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (sent < REQUESTS) {
          sent += 1;
          const response = await fetch(`${stack.levee.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
          });
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      }),
    );
    const elapsedWindows = Math.ceil((Date.now() - started) / 1000 / WINDOW_S);
    assert.equal(statuses.length, REQUESTS);
    assert.ok(statuses.every((status) => status === 502), 'every request failed with upstream_error');
    const attempts = stack.simulator.stats().by_route.chat;
    const allowed = 1.2 * REQUESTS + FLOOR_PER_SECOND * WINDOW_S * elapsedWindows;
    assert.ok(attempts <= allowed, `${attempts} upstream attempts for ${REQUESTS} requests (allowed ${allowed})`);
    assert.ok(attempts > REQUESTS, 'some retries did happen');
  });
});
