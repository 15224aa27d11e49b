/**
 * Fallback models and streams: a chat model whose only deployment is down is answered by its
 * fallback model, and the headers say which; a stream falls back only before its first chunk has
 * reached the client; after that, the break is an error event and nothing else is called.
 * Embeddings never move to another model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimulatorHandle } from '../simulator/server.ts';
import { call, chat, startProvidersStack, type ProvidersStack } from './support/providers.ts';

const MODELS = (urls: Record<string, string>) => `
providers:
  - { id: alpha, base_url: "${urls.alpha}" }
  - { id: beta, base_url: "${urls.beta}" }
models:
  - name: model-a
    deployments: [{ provider: alpha, model: gpt-4o-mini }]
    fallbacks: [model-b]
  - name: model-b
    deployments: [{ provider: beta, model: gpt-4o }]
  - name: embed-a
    kind: embeddings
    deployments: [{ provider: alpha, model: text-embedding-3-small }]
`;

async function streamChat(url: string, model: string): Promise<{ status: number; provider: string | null; events: string[] }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'tell me a long story' }] }),
  });
  const text = await response.text();
  const events = text.split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice('data: '.length));
  return { status: response.status, provider: response.headers.get('x-levee-provider'), events };
}

describe('routing: fallback models and streams', { timeout: 60_000 }, () => {
  let stack: ProvidersStack;
  let alpha: SimulatorHandle;
  let beta: SimulatorHandle;
  before(async () => {
    stack = await startProvidersStack({ providers: { alpha: {}, beta: {} }, yaml: MODELS });
    ({ alpha, beta } = stack.simulators as { alpha: SimulatorHandle; beta: SimulatorHandle });
  });
  after(() => stack?.stop());

  it("answers a model from its fallback when its only deployment is down, and says so", async () => {
    alpha.setFaults([{ route: 'chat', fault: { type: 'error', status: 503 } }]);
    const answers = await Promise.all(Array.from({ length: 12 }, () => chat(stack.levee.url, 'model-a')));
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([200]));
    for (const answer of answers) {
      assert.equal(answer.provider, 'beta');
      assert.equal(answer.model, 'gpt-4o');
    }
    // Before the breaker opened, the request tried alpha first: two attempts; after, one.
    assert.ok(answers.some((answer) => answer.attempts === 2));
    alpha.clearFaults();
  });

  it('lets a stream fall back before its first chunk', async () => {
    alpha.setFaults([{ route: 'chat', count: 1, fault: { type: 'reset' } }]);
    await waitClosed(stack.levee.url);
    const { status, provider, events } = await streamChat(stack.levee.url, 'model-a');
    assert.equal(status, 200);
    assert.equal(provider, 'beta');
    assert.equal(events.at(-1), '[DONE]');
    alpha.clearFaults();
  });

  it('never falls back once a chunk has reached the client: the break is an error event', async () => {
    alpha.setFaults([{ route: 'chat', fault: { type: 'slow-stream', resetAfterChunks: 3 } }]);
    beta.resetStats();
    const { status, provider, events } = await streamChat(stack.levee.url, 'model-a');
    assert.equal(status, 200);
    assert.equal(provider, 'alpha');
    assert.match(events.at(-1) ?? '', /"error"/);
    assert.equal(beta.stats().by_route.chat, 0, 'the fallback was not called after the first chunk');
    alpha.clearFaults();
  });

  it('never answers embeddings from another model', async () => {
    alpha.setFaults([{ route: 'embeddings', fault: { type: 'error', status: 500 } }]);
    beta.resetStats();
    const answer = await call(stack.levee.url, '/v1/embeddings', { model: 'embed-a', input: 'hello' });
    assert.equal(answer.status, 502);
    assert.equal(beta.stats().by_route.embeddings, 0);
    alpha.clearFaults();
  });

  it('answers 404 model_not_found for a model the file does not name, and lists the public names', async () => {
    const answer = await chat(stack.levee.url, 'gpt-unknown');
    assert.equal(answer.status, 404);
    assert.equal((answer.body.error as { code: string }).code, 'model_not_found');
    const models = (await (await fetch(`${stack.levee.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((model) => model.id).sort(), ['embed-a', 'model-a', 'model-b']);
  });
});

/** The fallback test above may have opened alpha's breaker; the stream tests need it closed. */
async function waitClosed(url: string): Promise<void> {
  await fetch(`${url}/admin/circuit-breakers/llm/alpha/reset`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
}
