/**
 * Traffic that makes the routing panels draw: a second Levee on a MODELS_FILE with three simulated
 * providers, where a chat model's only deployment fails so its fallback answers, an embeddings
 * model is hedged (one provider answers some calls late), and one deployment names a model its
 * provider does not have (404: misconfigured, the call moves on); and a small batch runs through the
 * job queue. Runs for a few seconds so rate windows see it.
 */
import type { SimulatorHandle } from '../../simulator/server.ts';
import { call, chat, startProvidersStack, type ChatAnswer, type ProvidersStack } from './providers.ts';
import { waitFor } from './wait-for.ts';

const MODELS = (urls: Record<string, string>) => `
providers:
  - { id: alpha, base_url: "${urls.alpha}" }
  - { id: beta, base_url: "${urls.beta}" }
  - { id: gamma, base_url: "${urls.gamma}" }
models:
  - name: chat-a
    deployments: [{ provider: gamma, model: gpt-4o-mini }]
    fallbacks: [chat-b]
  - name: chat-b
    deployments: [{ provider: beta, model: gpt-4o-mini }]
  - name: chat-misrouted
    deployments: [{ provider: beta, model: gpt-not-there, weight: 9 }, { provider: beta, model: gpt-4o-mini, weight: 1 }]
  - name: embed
    kind: embeddings
    deployments: [{ provider: alpha, model: text-embedding-3-small }, { provider: beta, model: text-embedding-3-small }]
`;

/** A small batch: 20 good lines and one invalid (a 400 in the error file), for the Background jobs row. */
async function runBatch(url: string, tag: string): Promise<string> {
  const lines = Array.from({ length: 20 }, (_, index) =>
    JSON.stringify({ custom_id: `${tag}-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'chat-b', messages: [{ role: 'user', content: `batch ${index}` }] } }),
  );
  lines.push(JSON.stringify({ custom_id: `${tag}-invalid`, method: 'POST', url: '/v1/chat/completions', body: { model: 'chat-b' } }));
  const form = new FormData();
  form.append('file', new Blob([lines.join('\n')]), `${tag}.jsonl`);
  form.append('purpose', 'batch');
  const file = (await (await fetch(`${url}/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
  const created = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }) });
  const batch = (await created.json()) as { id: string };
  return (
    await waitFor(async () => {
      const current = (await (await fetch(`${url}/v1/batches/${batch.id}`)).json()) as { status: string };
      return ['completed', 'failed'].includes(current.status) ? current.status : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, what: () => `batch ${tag} to finish` })
  );
}

/** Starts the routing stack; `run` drives it for about `durationMs`. */
export async function startRoutingTraffic(env: Record<string, string> = {}) {
  const stack: ProvidersStack = await startProvidersStack({
    providers: { alpha: {}, beta: { models: ['gpt-4o-mini', 'text-embedding-3-small'] }, gamma: {} },
    yaml: MODELS,
    env,
  });
  const { alpha, beta, gamma } = stack.simulators as { alpha: SimulatorHandle; beta: SimulatorHandle; gamma: SimulatorHandle };
  // Warms the job queue (and the embedded store it runs on), so the batch in `run` finishes within it.
  await runBatch(stack.levee.url, 'warm-up');
  const fixed = (ms: number) => ({ type: 'latency', distribution: { kind: 'fixed', ms } }) as const;
  let sequence = 0;
  const embed = () => call(stack.levee.url, '/v1/embeddings', { model: 'embed', input: `routing traffic ${sequence++}` });
  return {
    stack,
    async run(durationMs: number): Promise<Record<string, number>> {
      alpha.setFaults([
        // Rare enough to stay above the live P95, which is when a hedge goes out.
        { route: 'embeddings', probability: 0.04, fault: fixed(400) },
        { route: 'embeddings', fault: fixed(20) },
      ]);
      // gamma, chat-a's only provider, is down: its breaker opens and chat-b answers for it.
      gamma.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
      beta.setFaults([{ route: 'embeddings', fault: fixed(20) }]);
      const statuses: Record<string, number> = {};
      const count = (answer: ChatAnswer) => void (statuses[answer.status] = (statuses[answer.status] ?? 0) + 1);
      const until = Date.now() + durationMs;
      const batch = runBatch(stack.levee.url, 'traffic');
      while (Date.now() < until) {
        const answers = await Promise.all([embed(), embed(), chat(stack.levee.url, 'chat-a'), chat(stack.levee.url, 'chat-misrouted')]);
        answers.forEach(count);
      }
      statuses[`batch ${await batch}`] = 1;
      for (const simulator of [alpha, beta, gamma]) simulator.clearFaults();
      return statuses;
    },
    stop: () => stack.stop(),
  };
}
