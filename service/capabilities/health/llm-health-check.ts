/**
 * The LLM's entry in /health/detailed: per provider (by id), its breaker, gate, bulkhead and
 * outgoing quota (what is left, leases in use, shared or local; one bounded Redis read), and,
 * while its breaker lets calls through, a cheap GET /models straight to it (a probe, outside the
 * policies, so it neither trips nor heals the breaker); and per public model, how many
 * deployments (fallbacks included) can serve it now. Degraded while any provider is; never a
 * readiness gate.
 */
import type { LlmProvider } from '../../deps/llm/llm-provider.ts';
import type { CheckStatus, HealthCheck } from './health-check.ts';

export interface LlmHealthSources {
  providers: () => LlmProvider[];
  /** Deployments able to serve each public model now. */
  availability: () => Array<{ label: string; deployments: number }>;
  /** How a provider's upstream is shown (its URL without credentials, or "embedded simulator"). */
  describe: (provider: LlmProvider) => string;
}

export function llmHealthCheck(sources: LlmHealthSources): HealthCheck {
  return {
    name: 'llm',
    kind: 'dependency',
    async check(signal) {
      const providers = await Promise.all(sources.providers().map(async (provider) => [provider.id, await checkProvider(provider, sources.describe(provider), signal)] as const));
      const statuses = providers.map(([, details]) => details.status);
      const status: CheckStatus = statuses.every((each) => each === 'ok') ? 'ok' : statuses.every((each) => each === 'down') ? 'down' : 'degraded';
      return {
        status,
        providers: Object.fromEntries(providers),
        models: Object.fromEntries(sources.availability().map(({ label, deployments }) => [label, { deployments_available: deployments }])),
      };
    },
  };
}

async function checkProvider(provider: LlmProvider, upstream: string, signal: AbortSignal) {
  const { policies } = provider;
  const breaker = policies.breaker.state;
  const details = {
    upstream,
    circuit_breaker: breaker,
    rate_limited_for_ms: Math.round(policies.gate.remainingMs()),
    bulkhead: { active: policies.bulkhead.active, queued: policies.bulkhead.queued, capacity: policies.bulkhead.capacity },
    ...(policies.quota ? { quota: await policies.quota.snapshot(signal) } : {}),
  };
  if (breaker === 'open' || breaker === 'isolated') return { ...details, status: 'degraded' as CheckStatus };
  try {
    await provider.client.getJson('/models', signal);
  } catch (error) {
    if (signal.aborted) throw error;
    return { ...details, status: 'down' as CheckStatus, error: error instanceof Error ? error.name : 'error' };
  }
  return { ...details, status: (breaker === 'closed' ? 'ok' : 'degraded') as CheckStatus };
}
