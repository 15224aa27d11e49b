/**
 * Hedged requests and weights. Two deployments of an embeddings model with fixed, equal weights
 * (health weighting off), both answering in 100 ms, one of them 3 % of its calls 2 s late: with
 * hedging the client p99 stays ≤ 400 ms and hedges ≤ 5 % of calls; without, the same load's p99
 * is ≥ 1.5 s (so the first check can fail). Weights 9:1 split 1,000 calls 90 % ± 5 %.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimulatorHandle } from '../simulator/server.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { call, percentile, startProvidersStack, steadyLoad, type ProvidersStack } from './support/providers.ts';

const MODELS = (urls: Record<string, string>) => `
providers:
  - { id: alpha, base_url: "${urls.alpha}" }
  - { id: beta, base_url: "${urls.beta}" }
models:
  - name: embed-hedged
    kind: embeddings
    deployments: [{ provider: alpha, model: text-embedding-3-small }, { provider: beta, model: text-embedding-3-small }]
    hedge: { enabled: true, floor_ms: 50 }
  - name: embed-plain
    kind: embeddings
    deployments: [{ provider: alpha, model: text-embedding-3-small }, { provider: beta, model: text-embedding-3-small }]
    hedge: { enabled: false }
  - name: weighted
    deployments: [{ provider: alpha, model: gpt-4o-mini, weight: 9 }, { provider: beta, model: gpt-4o-mini, weight: 1 }]
routing:
  health_weighting: false
`;

let sequence = 0;
// A new input every call: the embeddings cache must not answer for the providers.
const embed = (url: string, model: string) => call(url, '/v1/embeddings', { model, input: `hedge me ${sequence++}` });
const CALLS = 600;
const RATE = 75;

describe('routing: hedged requests and weights', { timeout: 90_000 }, () => {
  let stack: ProvidersStack;
  let alpha: SimulatorHandle;
  let beta: SimulatorHandle;
  before(async () => {
    // Timeouts far above 2 s: only hedging may cut the slow tail here.
    stack = await startProvidersStack({ providers: { alpha: {}, beta: {} }, yaml: MODELS, env: { LLM_TIMEOUT_FLOOR_MS: '5000', LLM_TIMEOUT_DEFAULT_MS: '10000' } });
    ({ alpha, beta } = stack.simulators as { alpha: SimulatorHandle; beta: SimulatorHandle });
    const fixed = (ms: number) => ({ type: 'latency', distribution: { kind: 'fixed', ms } }) as const;
    alpha.setFaults([
      { route: 'embeddings', probability: 0.03, fault: fixed(2_000) },
      { route: 'embeddings', fault: fixed(100) },
    ]);
    beta.setFaults([{ route: 'embeddings', fault: fixed(100) }]);
    // Enough samples for a live P95 on both deployments before anything is measured.
    await steadyLoad(() => embed(stack.levee.url, 'embed-plain'), 40, 2_000);
  });
  after(() => stack?.stop());

  it('keeps the p99 within 400 ms with hedging, sending hedges for at most 5 % of calls', async (t) => {
    const answers = await steadyLoad(() => embed(stack.levee.url, 'embed-hedged'), RATE, (CALLS * 1000) / RATE);
    assert.ok(answers.every((answer) => answer.status === 200));
    const p99 = percentile(answers.map((answer) => answer.latencyMs), 99);
    const sent = await scrapeMetric(stack.levee.url, 'levee_llm_hedges_total', { model: 'embed-hedged', event: 'sent' });
    const won = await scrapeMetric(stack.levee.url, 'levee_llm_hedges_total', { model: 'embed-hedged', event: 'won' });
    t.diagnostic(`p99 ${p99.toFixed(0)} ms, p50 ${percentile(answers.map((answer) => answer.latencyMs), 50).toFixed(0)} ms; hedges sent ${sent}, won ${won} of ${answers.length} calls`);
    assert.ok(p99 <= 400, `client p99 ${p99.toFixed(0)} ms with hedging`);
    assert.ok(sent / answers.length <= 0.05, `${sent} hedges for ${answers.length} calls`);
    assert.ok(won >= 1, 'some hedge answered first');
  });

  it('has a p99 of 1.5 s or more on the same load without hedging', async (t) => {
    const answers = await steadyLoad(() => embed(stack.levee.url, 'embed-plain'), RATE, (CALLS * 1000) / RATE);
    const p99 = percentile(answers.map((answer) => answer.latencyMs), 99);
    t.diagnostic(`p99 ${p99.toFixed(0)} ms without hedging`);
    assert.ok(p99 >= 1_500, `client p99 ${p99.toFixed(0)} ms without hedging`);
  });

  it('splits 1,000 calls 9:1 by weight (± 5 points)', async () => {
    alpha.resetStats();
    beta.resetStats();
    const answers: Array<Awaited<ReturnType<typeof call>>> = [];
    // Batches of 50 at a time: the split is what is tested, not the throughput.
    for (let batch = 0; batch < 20; batch++) {
      answers.push(...(await Promise.all(Array.from({ length: 50 }, () => call(stack.levee.url, '/v1/chat/completions', { model: 'weighted', messages: [{ role: 'user', content: 'hi' }] })))));
    }
    assert.ok(answers.every((answer) => answer.status === 200));
    const share = answers.filter((answer) => answer.provider === 'alpha').length / answers.length;
    assert.ok(Math.abs(share - 0.9) <= 0.05, `alpha served ${(share * 100).toFixed(1)} %`);
  });

  it('sends no call to a deployment whose x-ratelimit-remaining-requests reached 0 until its reset, while the other serves', async () => {
    // alpha (weight 9) allows 5 requests per 3 s window and says so in its headers.
    alpha.setRateLimit({ requests: 5, windowMs: 3_000 });
    alpha.resetStats();
    beta.resetStats();
    const answers = await steadyLoad(() => call(stack.levee.url, '/v1/chat/completions', { model: 'weighted', messages: [{ role: 'user', content: 'hi' }] }), 20, 2_000);
    alpha.setRateLimit(undefined);
    assert.ok(answers.every((answer) => answer.status === 200), JSON.stringify(answers.map((answer) => answer.status)));
    assert.equal(alpha.stats().by_route.chat, 5, 'alpha got exactly the 5 calls its window allowed, no 429');
    assert.equal(beta.stats().by_route.chat, answers.length - 5);
  });
});
