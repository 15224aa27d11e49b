/**
 * One LLM provider: its HTTP client and its own policy set (bulkhead, breaker, 429 gate, quota,
 * adaptive timeouts per operation and model), instrumented with `provider="<id>"`. Routing picks
 * among providers; nothing here knows about other providers or public model names.
 */
import type { ProviderConfig } from '../../config/models.ts';
import { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import { InstrumentedCalls } from '../../resilience/instrumented-calls.ts';
import type { QuotaStore } from '../../resilience/outgoing-quota.ts';
import type { RetryLog } from '../../resilience/retry-log.ts';
import { bridgeTelemetry } from '../../resilience/telemetry-bridge.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { LlmClient } from './client.ts';
import { ModelCatalog } from './model-catalog.ts';
import { llmPolicySheet, type LlmOperation } from './policies.ts';

export interface LlmProviderOptions {
  config: ProviderConfig;
  metrics: Metrics;
  logger: Logger;
  /** Where this provider's quota state lives (Redis-shared); default: this process alone. */
  quotaStore?: QuotaStore;
  /** The LLM's retry log, shared by every provider so its cap holds for `llm` as a whole; default: this provider's own. */
  retryLog?: RetryLog;
}

export class LlmProvider {
  readonly id: string;
  readonly client: LlmClient;
  readonly policies: DependencyPolicies<LlmOperation>;
  readonly calls: InstrumentedCalls<LlmOperation>;
  /** Which of this provider's model names are known labels and timeout keys (bounded). */
  readonly catalog = new ModelCatalog();
  /** The definition it was built from: a reload keeps the provider when only its key changed. */
  readonly config: ProviderConfig;

  constructor(options: LlmProviderOptions) {
    const { config } = options;
    this.id = config.id;
    this.config = config;
    this.policies = new DependencyPolicies(llmPolicySheet(config.id, config.policies, config.quota), { quotaStore: options.quotaStore });
    bridgeTelemetry(this.policies, options.metrics, options.logger, options.retryLog);
    this.calls = new InstrumentedCalls(this.policies, options.metrics);
    this.client = new LlmClient({ baseUrl: config.baseUrl, apiKey: config.apiKey, headers: config.headers, connections: config.policies.bulkhead.maxConcurrent });
  }

  /** True when `config` describes this same provider (URL, headers, policies); the key may differ. */
  sameDefinitionAs(config: ProviderConfig): boolean {
    const definition = ({ apiKey: _key, ...rest }: ProviderConfig) => JSON.stringify(rest);
    return definition(config) === definition(this.config);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
