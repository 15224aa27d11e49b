/** Wires the LLM dependency: client, policies, telemetry, gateway and health check. */
import type { Secret } from '../../config.ts';
import type { LlmPolicyConfig } from '../../config/llm.ts';
import type { QuotaConfig } from '../../config/shared-state.ts';
import { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import { InstrumentedCalls } from '../../resilience/instrumented-calls.ts';
import { quotaIsOn } from '../../resilience/outgoing-quota.ts';
import { bridgeTelemetry } from '../../resilience/telemetry-bridge.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { RedisQuotaStore } from '../redis/quota-store.ts';
import type { RedisDependency } from '../redis/redis-dependency.ts';
import { LlmClient } from './client.ts';
import { llmHealthCheck } from './health.ts';
import { LlmGateway } from './llm-gateway.ts';
import { ModelCatalog } from './model-catalog.ts';
import { llmPolicySheet } from './policies.ts';

export interface LlmDependencyOptions {
  baseUrl: string;
  apiKey: Secret | undefined;
  policies: LlmPolicyConfig;
  /** The fleet's outgoing quota (0 = that dimension unlimited); omitted: none. */
  quota?: QuotaConfig;
  /** Shares the quota with the other replicas; without it this replica keeps the quota alone. */
  redis?: RedisDependency;
  /** This replica's share of the quota while Redis is unreachable (default `() => 1`); e.g. the live replica count. */
  quotaLocalShare?: () => number;
  /** How the upstream is described in health output (never with credentials). */
  upstreamLabel: string;
  metrics: Metrics;
  logger: Logger;
}

export function createLlmDependency(options: LlmDependencyOptions) {
  const quotaStore = options.redis && quotaIsOn(options.quota) ? new RedisQuotaStore({ redis: options.redis, dependency: 'llm', localShare: options.quotaLocalShare }) : undefined;
  const policies = new DependencyPolicies(llmPolicySheet(options.policies, options.quota), { quotaStore });
  bridgeTelemetry(policies, options.metrics, options.logger);
  const client = new LlmClient({ baseUrl: options.baseUrl, apiKey: options.apiKey, connections: options.policies.bulkhead.maxConcurrent });
  const gateway = new LlmGateway({
    client,
    calls: new InstrumentedCalls(policies, options.metrics),
    catalog: new ModelCatalog(),
    metrics: options.metrics,
    maxStreamDurationMs: options.policies.stream.maxDurationMs,
  });
  return {
    gateway,
    policies,
    health: llmHealthCheck(client, policies, options.upstreamLabel),
    close: () => client.close(),
  };
}

export type LlmDependency = ReturnType<typeof createLlmDependency>;
