/**
 * Streams fail well: a failure before the first chunk is retried and answered as an ordinary HTTP
 * status; a stream cut after it ends with an OpenAI error event the SDK raises; a stream that goes
 * quiet is cut by the idle-gap timeout, not left hanging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { waitFor } from './support/wait-for.ts';

describe('streaming failures', () => {
  let stack: LeveeWithSimulator;
  let client: OpenAI;
  before(async () => {
    // Idle-gap timeout: 1 s until the P95 is known (the default), so a stall is cut quickly.
    stack = await startLeveeWithSimulator({ LLM_TIMEOUT_DEFAULT_MS: '1000' });
    client = new OpenAI({ baseURL: `${stack.levee.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => stack.stop());

  const stream = () =>
    client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });

  it('retries a failure before the first chunk; the client never sees it', async () => {
    stack.simulator.resetStats();
    stack.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'error', status: 502 } }]);
    let text = '';
    for await (const chunk of await stream()) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
    assert.equal(stack.simulator.stats().by_route.chat, 2);
  });

  it('streams without a listener-leak warning per response (stderr stays clean)', async () => {
    stack.simulator.clearFaults();
    for (let round = 0; round < 3; round++) for await (const chunk of await stream()) void chunk;
    assert.deepEqual(stack.levee.stderr.filter((line) => /MaxListenersExceeded|Warning/.test(line)), []);
  });

  it('answers an early failure that outlasts the retries with an HTTP status, not a stream', async () => {
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 400, message: 'no such thing' } }]);
    await assert.rejects(stream(), (error: unknown) => error instanceof OpenAI.BadRequestError);
    stack.simulator.clearFaults();
  });

  it('ends a stream cut midway with an error event the SDK raises', async () => {
    stack.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'slow-stream', resetAfterChunks: 4 } }]);
    let chunks = 0;
    await assert.rejects(
      (async () => {
        for await (const _chunk of await stream()) chunks += 1;
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.match(error.message, /upstream/i);
        return true;
      },
    );
    assert.equal(chunks, 4, 'the chunks before the cut were relayed');
    // The status went out as 200 with the first chunk: the access line still says how it ended.
    const line = await waitFor(() => stack.levee.logs().find((entry) => entry.route === '/v1/chat/completions' && entry.status === 200 && entry.error_code));
    assert.equal(line.msg, 'request');
    assert.match(String(line.error_code), /^upstream_/);
  });

  it('cuts a stream that stalls at the idle-gap timeout', async () => {
    stack.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'slow-stream', stallAfterChunks: 3 } }]);
    const started = Date.now();
    let chunks = 0;
    await assert.rejects(
      (async () => {
        for await (const _chunk of await stream()) chunks += 1;
      })(),
      OpenAI.APIError,
    );
    assert.equal(chunks, 3);
    assert.ok(Date.now() - started < 5_000, 'cut by the idle timeout, not left open');
  });
});

describe('admin routes', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator();
  });
  after(() => stack.stop());

  const admin = (path: string, token?: string, method = 'POST') =>
    fetch(`${stack.levee.url}${path}`, { method, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });

  it('refuses missing (401) and wrong (403) tokens', async () => {
    assert.equal((await admin('/admin/circuit-breakers', undefined, 'GET')).status, 401);
    assert.equal((await admin('/admin/circuit-breakers', 'not-the-token', 'GET')).status, 403);
  });

  it('isolates and resets the llm breaker', async () => {
    const token = 'test-admin-token-0123456789';
    const isolated = await admin('/admin/circuit-breakers/llm/default/isolate', token);
    assert.equal(((await isolated.json()) as { state: string }).state, 'isolated');
    const chat = await fetch(`${stack.levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(chat.status, 503);
    assert.ok(chat.headers.get('retry-after'));
    const reset = await admin('/admin/circuit-breakers/llm/default/reset', token);
    assert.equal(((await reset.json()) as { state: string }).state, 'closed');
    assert.equal((await admin('/admin/circuit-breakers/nope/reset', token)).status, 404);
    const health = (await (await fetch(`${stack.levee.url}/health/circuit-breakers`)).json()) as { circuit_breakers: Record<string, { state: string }> };
    assert.equal(health.circuit_breakers['llm/default']?.state, 'closed');
  });
});
