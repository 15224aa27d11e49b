/**
 * Two providers for one model: losing one costs clients nothing. A full outage of `alpha` under
 * steady load (20 requests/s): its breaker opens within 1.5 s (five failures in a row), every
 * request still answers 200 (each failure moves on to `beta` at once), and once open `alpha` only
 * sees probes; once its probes succeed it gets traffic again. A provider's 400 is never retried
 * anywhere, and a 429 with Retry-After keeps calls off that provider until then.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/wait-for.ts';
import { breakerOf, chat, startProvidersStack, steadyLoad, type ProvidersStack } from './support/providers.ts';

const MODELS = (urls: Record<string, string>) => `
providers:
  - { id: alpha, base_url: "${urls.alpha}" }
  - { id: beta, base_url: "${urls.beta}" }
models:
  - name: gpt-4o-mini
    deployments:
      - { provider: alpha, model: gpt-4o-mini }
      - { provider: beta, model: gpt-4o-mini }
`;

describe('routing: two providers for one model', { timeout: 90_000 }, () => {
  let stack: ProvidersStack;
  before(async () => {
    // Half-open after 2 s: the outage below spans several probe periods.
    stack = await startProvidersStack({ providers: { alpha: {}, beta: {} }, yaml: MODELS, env: { LLM_BREAKER_HALF_OPEN_AFTER_MS: '2000' } });
  });
  after(() => stack?.stop());

  it('serves every request through a full outage of one provider, which then only gets probes', async (t) => {
    const { alpha, beta } = stack.simulators as { alpha: NonNullable<ProvidersStack['simulators'][string]>; beta: NonNullable<ProvidersStack['simulators'][string]> };
    const url = stack.levee.url;
    let outageAt = 0;
    let openedAt: number | undefined;
    const watch = (async () => {
      await waitFor(() => (outageAt > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      openedAt = await waitFor(async () => ((await breakerOf(url, 'alpha')) === 'open' ? Date.now() : undefined), { timeoutMs: 9_000, intervalMs: 20 });
      alpha.resetStats();
    })();
    const load = steadyLoad(() => chat(url, 'gpt-4o-mini'), 25, 10_000);
    // Healthy for 2 s, then alpha fails every call.
    await waitFor(() => (beta.stats().by_route.chat > 10 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    alpha.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    outageAt = Date.now();
    const answers = await load;
    await watch;

    const ok = answers.filter((answer) => answer.status === 200).length;
    assert.ok(ok / answers.length >= 0.995, `${ok} of ${answers.length} answered 200`);
    assert.ok(openedAt !== undefined && openedAt - outageAt <= 1_500, `alpha's breaker opened ${openedAt! - outageAt} ms into the outage`);
    const afterOpen = answers.filter((answer) => answer.sentAt > openedAt! + 50);
    assert.ok(afterOpen.length > 100);
    assert.deepEqual(afterOpen.filter((answer) => answer.status !== 200), [], 'every request after the breaker opened answered 200');
    assert.ok(afterOpen.every((answer) => answer.provider === 'beta'));
    // Open from openedAt to the end of the load (≈ 7 s, half-open every 2 s): a few probes at most.
    const probes = alpha.stats().by_route.chat;
    assert.ok(probes <= 5, `alpha got ${probes} chat calls after its breaker opened: probes only`);
    t.diagnostic(`${ok} of ${answers.length} answered 200; alpha's breaker opened ${openedAt! - outageAt} ms into the outage; ${probes} calls reached alpha after it opened`);
    const retried = answers.filter((answer) => (answer.attempts ?? 0) > 1);
    assert.ok(retried.every((answer) => answer.provider === 'beta'), 'a failed attempt on alpha moved on to beta');
  });

  it('sends traffic to the provider again once its probes succeed', async () => {
    const { alpha } = stack.simulators as Record<string, NonNullable<ProvidersStack['simulators'][string]>>;
    alpha!.clearFaults();
    const url = stack.levee.url;
    await waitFor(
      async () => {
        await chat(url, 'gpt-4o-mini');
        return (await breakerOf(url, 'alpha')) === 'closed' ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: () => "alpha's breaker to close" },
    );
    alpha!.resetStats();
    // Health weighting hands traffic back as alpha's recent failures fade (a 2 s half-life).
    const answers: Array<Awaited<ReturnType<typeof chat>>> = [];
    await waitFor(
      async () => {
        answers.push(...(await Promise.all(Array.from({ length: 10 }, () => chat(url, 'gpt-4o-mini')))));
        return alpha!.stats().by_route.chat >= 10 ? true : undefined;
      },
      { timeoutMs: 8_000, intervalMs: 100, what: () => `alpha to serve 10 calls again (it served ${alpha!.stats().by_route.chat} of ${answers.length})` },
    );
    assert.ok(answers.every((answer) => answer.status === 200));
  });

  it('never retries a 400 anywhere', async () => {
    const { alpha, beta } = stack.simulators as Record<string, NonNullable<ProvidersStack['simulators'][string]>>;
    for (const simulator of [alpha!, beta!]) {
      simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 400, message: 'bad request' } }]);
      simulator.resetStats();
    }
    const answers = await Promise.all(Array.from({ length: 10 }, () => chat(stack.levee.url, 'gpt-4o-mini')));
    assert.ok(answers.every((answer) => answer.status === 400), JSON.stringify(answers.map((answer) => answer.status)));
    assert.equal(alpha!.stats().by_route.chat + beta!.stats().by_route.chat, 10, 'one upstream call per request: nothing retried on either provider');
    for (const simulator of [alpha!, beta!]) simulator.clearFaults();
  });

  it('keeps every call off a provider inside its Retry-After while the other serves them all', async () => {
    const { alpha, beta } = stack.simulators as Record<string, NonNullable<ProvidersStack['simulators'][string]>>;
    alpha!.setFaults([{ route: 'chat', fault: { type: 'error', status: 429, retryAfterS: 2 } }]);
    alpha!.resetStats();
    beta!.resetStats();
    const firstAt = Date.now();
    const answers = await steadyLoad(() => chat(stack.levee.url, 'gpt-4o-mini'), 20, 1_800);
    assert.ok(answers.every((answer) => answer.status === 200), JSON.stringify(answers.map((answer) => answer.status)));
    const alphaCalls = alpha!.requests().filter((entry) => Date.parse(entry.at) >= firstAt && Date.parse(entry.at) < firstAt + 1_800);
    assert.ok(alphaCalls.length <= 1, `alpha got ${alphaCalls.length} calls inside its 2 s Retry-After`);
    assert.ok(beta!.stats().by_route.chat >= answers.length - 1);
    alpha!.clearFaults();
  });
});
