/**
 * The conversation and idempotency limits are configuration: a real Levee started with a short
 * history and a short idempotency lifetime keeps exactly that many messages, and replays a stored
 * answer only until its lifetime ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { waitFor } from './support/wait-for.ts';

const MAX_MESSAGES = 4;
const IDEMPOTENCY_TTL_MS = 1_000;

describe('conversation and idempotency limits from the environment', () => {
  let stack: LeveeWithSimulator;
  const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${stack.levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
    });
  const upstreamChats = () => stack.simulator.requests().filter((request) => request.route === 'chat').length;

  before(async () => {
    stack = await startLeveeWithSimulator({ CONVERSATION_MAX_MESSAGES: String(MAX_MESSAGES), IDEMPOTENCY_TTL_MS: String(IDEMPOTENCY_TTL_MS) });
  });
  after(() => stack.stop());

  it('keeps CONVERSATION_MAX_MESSAGES messages of a conversation, the latest ones', async () => {
    for (const turn of [1, 2, 3]) {
      const response = await chat({ conversation_id: 'short', messages: [{ role: 'user', content: `turn ${turn}` }] });
      assert.equal(response.status, 200);
    }
    const stored = (await (await fetch(`${stack.levee.url}/v1/conversations/short`)).json()) as { messages: Array<{ role: string; content: unknown }> };
    assert.equal(stored.messages.length, MAX_MESSAGES);
    assert.deepEqual(
      stored.messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.equal(stored.messages[2]!.content, 'turn 3');
  });

  it('replays an Idempotency-Key answer until IDEMPOTENCY_TTL_MS has passed, then runs the request again', async () => {
    const body = { messages: [{ role: 'user', content: 'once' }] };
    const key = { 'Idempotency-Key': 'limits-test-1' };
    const before = upstreamChats();
    const first = await chat(body, key);
    assert.equal(first.status, 200);
    const replayed = await chat(body, key);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal(upstreamChats(), before + 1, 'the replay did not reach the provider');

    const storedAt = performance.now();
    const fresh = await waitFor(
      async () => {
        const response = await chat(body, key);
        await response.arrayBuffer();
        return response.headers.get('idempotent-replayed') === null && response;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'the stored answer to expire' },
    );
    assert.equal(fresh.status, 200);
    assert.ok(performance.now() - storedAt >= IDEMPOTENCY_TTL_MS - 50, 'not before its lifetime ended');
    assert.equal(upstreamChats(), before + 2, 'run again once, after the record expired');
  });
});
