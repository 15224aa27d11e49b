/** Wires the LLM dependency: client, policies (policies.ts), telemetry and gateway. */
import type { Secret } from '../../config.ts';
import type { LlmPolicyConfig } from '../../config/llm.ts';
import type { QuotaConfig } from '../../config/shared-state.ts';
import { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import { InstrumentedCalls } from '../../resilience/instrumented-calls.ts';
import type { QuotaStore } from '../../resilience/outgoing-quota.ts';
import { bridgeTelemetry } from '../../resilience/telemetry-bridge.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { LlmClient } from './client.ts';
import { LlmGateway } from './llm-gateway.ts';
import { ModelCatalog } from './model-catalog.ts';
import { llmPolicySheet } from './policies.ts';

export interface LlmDependencyOptions {
  baseUrl: string;
  apiKey: Secret | undefined;
  policies: LlmPolicyConfig;
  /** The fleet's outgoing quota (0 = that dimension unlimited); omitted: none. */
  quota?: QuotaConfig;
  /** Where the quota's state lives (capabilities/quotas/ shares it through Redis); default: this process alone. */
  quotaStore?: QuotaStore;
  metrics: Metrics;
  logger: Logger;
}

export function createLlmDependency(options: LlmDependencyOptions) {
  const policies = new DependencyPolicies(llmPolicySheet(options.policies, options.quota), { quotaStore: options.quotaStore });
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
    /** For the health check's probe, which goes around the policies. */
    client,
    close: () => client.close(),
  };
}
