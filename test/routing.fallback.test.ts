/**
 * Fallback models and streams: a chat model whose only deployment is down is answered by its
 * fallback model, and the headers say which; a stream falls back only before its first chunk has
 * reached the client; after that, the break is an error event and nothing else is called.
 * Embeddings never move to another model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimulatorHandle } from '../simulator/server.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { call, chat, startProvidersStack, type ProvidersStack } from './support/providers.ts';
import { waitFor } from './support/wait-for.ts';

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
  - name: misrouted
    deployments: [{ provider: alpha, model: gpt-not-there, weight: 1000 }, { provider: beta, model: gpt-4o }]
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
    // alpha serves only these two: a deployment naming another model there is misconfigured (404).
    stack = await startProvidersStack({ providers: { alpha: { models: ['gpt-4o-mini', 'text-embedding-3-small'] }, beta: {} }, yaml: MODELS });
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

  it('moves on from a misconfigured deployment (the provider answers 404), logs it at error and counts it', async () => {
    // The tests above failed alpha on purpose; its breaker must let this call try it first.
    await waitClosed(stack.levee.url);
    const answer = await chat(stack.levee.url, 'misrouted');
    assert.equal(answer.status, 200);
    assert.equal(answer.provider, 'beta');
    assert.equal(answer.attempts, 2);
    assert.equal(await scrapeMetric(stack.levee.url, 'levee_llm_deployment_misconfigured_total', { provider: 'alpha', upstream_model: 'gpt-not-there', http_response_status_code: '404' }), 1);
    const line = await waitFor(() => stack.levee.logs().find((entry) => entry.msg?.toString().startsWith('deployment misconfigured')), { timeoutMs: 2_000 });
    assert.equal(line.level, 'error');
    assert.equal(line.provider, 'alpha');
  });

  it('answers 404 model_not_found for a model the file does not name, and lists the public names', async () => {
    const answer = await chat(stack.levee.url, 'gpt-unknown');
    assert.equal(answer.status, 404);
    assert.equal((answer.body.error as { code: string }).code, 'model_not_found');
    const models = (await (await fetch(`${stack.levee.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((model) => model.id).sort(), ['embed-a', 'misrouted', 'model-a', 'model-b']);
  });
});

/** The tests before may have opened alpha's breaker on purpose; the next one needs it closed. */
async function waitClosed(url: string): Promise<void> {
  await fetch(`${url}/admin/circuit-breakers/llm/alpha/reset`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
}
