/**
 * A 429 with Retry-After closes the gate for every call: nothing reaches the upstream until then,
 * and a caller whose deadline is shorter is answered 429 upstream_rate_limited at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const chat = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('upstream rate limiting', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator();
  });
  after(() => stack.stop());

  it('holds every call back for Retry-After, and answers short deadlines at once', async () => {
    const { levee, simulator } = stack;
    simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'error', status: 429, retryAfterS: 1 } }]);
    const started = Date.now();
    const first = chat(levee.url);

    // Once the 429 has closed the gate, a caller with 200 ms left cannot wait: 429 at once.
    await waitFor(async () => {
      const health = (await (await fetch(`${levee.url}/health/detailed`)).json()) as { checks: { llm: { providers: { default: { rate_limited_for_ms: number } } } } };
      return health.checks.llm.providers.default.rate_limited_for_ms > 300 ? true : undefined;
    }, { timeoutMs: 900, intervalMs: 10, what: () => 'the gate to close' });
    const hurried = await chat(levee.url, { 'X-Request-Timeout-Ms': '200' });
    assert.equal(hurried.status, 429);
    assert.ok(Number(hurried.headers.get('retry-after')) >= 1);
    assert.equal(((await hurried.json()) as { error: { code: string } }).error.code, 'upstream_rate_limited');
    assert.ok(Date.now() - started < 1_000, 'answered before the gate opened');

    // The first call waited out Retry-After and then succeeded.
    assert.equal((await first).status, 200);
    const chatRequests = simulator.requests().filter((entry) => entry.route === 'chat');
    assert.equal(chatRequests.length, 2, 'the 429 and the retry; the hurried call never went upstream');
    const gap = Date.parse(chatRequests[1]!.at) - Date.parse(chatRequests[0]!.at);
    assert.ok(gap >= 1_000, `no call reached the upstream within Retry-After (gap ${gap} ms)`);
  });
});
