/**
 * Wires the LLM dependency: one LlmProvider per configured provider (client + its own policies,
 * policies.ts), the routing table over them, the routed-call loop and the gateway. `reload`
 * swaps in a new models configuration at once: providers whose definition is unchanged keep their
 * policies (breaker, live latency, gate) and only pick up a rotated key; new ones are built;
 * removed ones are closed once the calls already on them had time to end.
 */
import type { LlmPolicyConfig } from '../../config/llm.ts';
import type { ModelsConfig } from '../../config/models.ts';
import type { QuotaStore } from '../../resilience/outgoing-quota.ts';
import { RetryBudget } from '../../resilience/retry-budget.ts';
import { RetryLog } from '../../resilience/retry-log.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { LlmGateway } from './llm-gateway.ts';
import { LlmProvider } from './llm-provider.ts';
import { RoutedCalls } from './routing/routed-calls.ts';
import { RoutingTable } from './routing/routing-table.ts';

export interface LlmDependencyOptions {
  models: ModelsConfig;
  /** LLM_RETRY_* and the stream limit: one retry loop and budget over every provider. */
  policies: Pick<LlmPolicyConfig, 'retry' | 'stream'>;
  /** Where a provider's quota state lives (capabilities/quotas/ shares it through Redis); default: this process alone. */
  quotaStoreFor?: (provider: string) => QuotaStore | undefined;
  /** Told of every provider built (at start and on reload), e.g. to share its breaker with the fleet. */
  onProvider?: (provider: LlmProvider) => void;
  metrics: Metrics;
  logger: Logger;
}

/** Each backoff varies by this fraction either way, so replicas that failed together do not retry together. */
const RETRY_JITTER = 0.25;
/** The retry budget counts calls and retries over this sliding window. */
const RETRY_BUDGET_WINDOW_MS = 10_000;
/** A removed provider is closed this long after a reload, so calls already on it can end. */
const RETIRE_AFTER_MS = 10 * 60 * 1000;

export function createLlmDependency(options: LlmDependencyOptions) {
  const { metrics, logger } = options;
  // One for every provider, before and after reloads: at most 60 retry lines a minute for `llm`.
  const retryLog = new RetryLog(logger, 'llm');
  let providers = new Map<string, LlmProvider>();
  const build = (models: ModelsConfig) => {
    const next = new Map<string, LlmProvider>();
    for (const config of models.providers) {
      const current = providers.get(config.id);
      if (current && current.sameDefinitionAs(config)) {
        current.client.setApiKey(config.apiKey);
        next.set(config.id, current);
        continue;
      }
      const provider = new LlmProvider({ config, metrics, logger, retryLog, quotaStore: options.quotaStoreFor?.(config.id) });
      options.onProvider?.(provider);
      next.set(config.id, provider);
    }
    return next;
  };
  providers = build(options.models);
  let table = new RoutingTable(options.models, providers);

  const { retry } = options.policies;
  const routed = new RoutedCalls({
    metrics,
    logger,
    retryLog,
    retry: { maxAttempts: retry.maxAttempts, initialDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs, jitter: RETRY_JITTER },
    budget: new RetryBudget({ ratio: retry.budgetRatio, minRetriesPerSecond: retry.budgetMinPerSecond, windowMs: RETRY_BUDGET_WINDOW_MS }),
    hedgeBudget: new RetryBudget({ ratio: options.models.routing.hedgeBudgetRatio, minRetriesPerSecond: 0, windowMs: options.models.routing.hedgeBudgetWindowMs }),
    routing: () => table.routing,
  });
  const gateway = new LlmGateway({ table: () => table, routed, metrics, maxStreamDurationMs: options.policies.stream.maxDurationMs });
  metrics.refreshers.add(() => {
    for (const { label, deployments } of table.availability()) metrics.modelDeploymentsAvailable.set({ model: label }, deployments);
  });
  /** Removed providers still open, each with the timer that closes it. */
  const retiring = new Map<LlmProvider, ReturnType<typeof setTimeout>>();

  return {
    gateway,
    /** The providers in force. */
    providers: () => [...providers.values()],
    table: () => table,
    /** Swaps in a new configuration; the returned providers were removed by it. */
    reload(models: ModelsConfig): LlmProvider[] {
      const next = build(models);
      const removed = [...providers.values()].filter((provider) => next.get(provider.id) !== provider);
      const nextTable = new RoutingTable(models, next);
      providers = next;
      table = nextTable;
      metrics.modelDeploymentsAvailable.reset();
      for (const provider of removed) {
        const timer = setTimeout(() => {
          retiring.delete(provider);
          void provider.close();
        }, RETIRE_AFTER_MS);
        timer.unref();
        retiring.set(provider, timer);
      }
      return removed;
    },
    close: async () => {
      for (const timer of retiring.values()) clearTimeout(timer);
      await Promise.all([...providers.values(), ...retiring.keys()].map((provider) => provider.close()));
    },
  };
}
