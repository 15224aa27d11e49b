/**
 * The LLM's entry in /health/detailed: its breaker, gate, bulkhead and outgoing quota (what is
 * left, leases in use, shared or local; one bounded Redis read), and, while the breaker lets calls
 * through, a cheap GET /models straight to the provider (a probe, outside the policies, so it
 * neither trips nor heals the breaker). Never a readiness gate.
 */
import type { LlmClient } from '../../deps/llm/client.ts';
import type { LlmOperation } from '../../deps/llm/policies.ts';
import type { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import type { HealthCheck } from './health-check.ts';

export function llmHealthCheck(client: LlmClient, policies: DependencyPolicies<LlmOperation>, upstream: string): HealthCheck {
  return {
    name: 'llm',
    kind: 'dependency',
    async check(signal) {
      const breaker = policies.breaker.state;
      const details = {
        upstream,
        circuit_breaker: breaker,
        rate_limited_for_ms: Math.round(policies.gate.remainingMs()),
        bulkhead: { active: policies.bulkhead.active, queued: policies.bulkhead.queued, capacity: policies.bulkhead.capacity },
        ...(policies.quota ? { quota: await policies.quota.snapshot(signal) } : {}),
      };
      if (breaker === 'open' || breaker === 'isolated') return { ...details, status: 'degraded' as const };
      await client.getJson('/models', signal);
      return { ...details, status: breaker === 'closed' ? ('ok' as const) : ('degraded' as const) };
    },
  };
}
