/**
 * Hostile and malformed bodies on each /v1 endpoint get a 4xx in OpenAI's shape naming the field,
 * never a 5xx, and never reach the provider; unknown top-level fields do reach it, untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const message = [{ role: 'user', content: 'hi' }];
const cases: Array<{ path: string; body: unknown; param: string | null }> = [
  { path: '/v1/chat/completions', body: { messages: message }, param: 'model' },
  { path: '/v1/chat/completions', body: { model: 42, messages: message }, param: 'model' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [] }, param: 'messages' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: 'hi' }, param: 'messages' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'hi' }] }, param: 'messages[0].role' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 7 }] }, param: 'messages[0].content' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, max_tokens: 1e12 }, param: 'max_tokens' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, max_tokens: -1 }, param: 'max_tokens' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, temperature: 'hot' }, param: 'temperature' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, stream: 'yes' }, param: 'stream' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, n: 1e6 }, param: 'n' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, stop: ['a', 'b', 'c', 'd', 'e'] }, param: 'stop' },
  { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: message, tools: [{ type: 'function', function: { name: 5 } }] }, param: 'tools[0].function.name' },
  { path: '/v1/chat/completions', body: [1, 2, 3], param: null },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: '' }, param: 'input' },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: [] }, param: 'input' },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: Array(2049).fill('x') }, param: 'input' },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: { text: 'x' } }, param: 'input' },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'x', encoding_format: 'hex' }, param: 'encoding_format' },
  { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'x', dimensions: 0 }, param: 'dimensions' },
  { path: '/v1/embeddings', body: { input: 'x' }, param: 'model' },
];

describe('hostile input on /v1', () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator();
  });
  after(() => stack.stop());

  for (const { path, body, param } of cases) {
    it(`${path} ${JSON.stringify(body).slice(0, 90)} → 400 naming ${param}`, async () => {
      stack.simulator.resetStats();
      const response = await fetch(`${stack.levee.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 400);
      const { error } = (await response.json()) as { error: Record<string, unknown> };
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param);
      assert.equal(stack.simulator.stats().total, 0, 'never reaches the provider');
    });
  }

  // Found by test/fuzz/: the model is echoed in X-Levee-Model, and Node refused the header (a 500
  // after the provider had answered).
  for (const [path, body, shown] of [
    ['/v1/chat/completions', { model: '🙂', messages: message }, '%F0%9F%99%82'],
    ['/v1/chat/completions', { model: 'a\u0001%', messages: message, stream: true }, 'a%01%25'],
    ['/v1/embeddings', { model: 'é\u007f', input: 'x' }, '%C3%A9%7F'],
  ] as const) {
    it(`${path} with model ${JSON.stringify(body.model)} → 200, the model percent-encoded in X-Levee-Model`, async () => {
      const response = await fetch(`${stack.levee.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(response.headers.get('x-levee-model'), shown);
      await response.arrayBuffer();
    });
  }

  it('passes unknown top-level fields through to the provider', async () => {
    const response = await fetch(`${stack.levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: message, reasoning_effort: 'low', brand_new_parameter: { nested: [1] } }),
    });
    assert.equal(response.status, 200);
    const forwarded = stack.simulator.requests().at(-1)!.body as Record<string, unknown>;
    assert.equal(forwarded.reasoning_effort, 'low');
    assert.deepEqual(forwarded.brand_new_parameter, { nested: [1] });
  });
});
