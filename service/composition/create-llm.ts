/**
 * Composes the LLM side: the models configuration (MODELS_FILE, else LLM_BASE_URL as provider
 * `default`, else the embedded simulator), one provider per entry with its breaker shared through
 * the fleet and its quota in Redis when there is one, the breaker registry entries
 * `llm/<provider>`, the health check, and the SIGHUP reload of the models file.
 */
import { startSimulator } from '../../simulator/server.ts';
import { llmHealthCheck } from '../capabilities/health/llm-health-check.ts';
import type { SharedState } from '../capabilities/fleet/shared-state.ts';
import { RedisQuotaStore } from '../capabilities/quotas/redis-quota-store.ts';
import type { Config } from '../config.ts';
import { singleProviderModels, type ModelsConfig } from '../config/models.ts';
import { loadModelsFile, ModelsFileError } from '../config/models-file.ts';
import { createLlmDependency } from '../deps/llm/llm-dependency.ts';
import type { LlmProvider } from '../deps/llm/llm-provider.ts';
import type { RedisDependency } from '../deps/redis/redis-dependency.ts';
import type { HealthService } from '../features/health/health-service.ts';
import type { CircuitBreaker } from '../resilience/circuit-breaker.ts';
import { quotaIsOn } from '../resilience/outgoing-quota.ts';
import type { Closeable } from '../shutdown.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface CreateLlmOptions {
  config: Config;
  metrics: Metrics;
  logger: Logger;
  redis: RedisDependency | undefined;
  fleet: SharedState | undefined;
  localShare: () => number;
  /** The live registry the admin and health routes read; `llm/<provider>` entries are kept here. */
  breakers: Map<string, CircuitBreaker>;
  health: HealthService;
  closeables: Closeable[];
}

export async function createLlm(options: CreateLlmOptions) {
  const { config, metrics, logger, redis, fleet, breakers, closeables } = options;
  const { models, embedded } = await resolveModels(config, logger, closeables);
  const llm = createLlmDependency({
    models,
    policies: config.llm.policies,
    quotaStoreFor: (provider) => {
      const quota = models.providers.find((candidate) => candidate.id === provider)?.quota;
      return redis && quotaIsOn(quota) ? new RedisQuotaStore({ redis, dependency: `llm/${provider}`, localShare: options.localShare }) : undefined;
    },
    onProvider: (provider) => fleet?.attach(provider.policies),
    metrics,
    logger,
  });
  const syncBreakers = () => {
    for (const name of [...breakers.keys()]) if (name.startsWith('llm/')) breakers.delete(name);
    for (const provider of llm.providers()) breakers.set(provider.policies.name, provider.policies.breaker);
  };
  syncBreakers();
  closeables.unshift({ name: 'llm', close: llm.close });
  options.health.register(
    llmHealthCheck({
      providers: llm.providers,
      availability: () => llm.table().availability(),
      describe: (provider: LlmProvider) => (provider.config.baseUrl === embedded ? 'embedded simulator' : upstreamLabel(provider.config.baseUrl)),
    }),
  );

  /** SIGHUP: re-reads MODELS_FILE (and api_key_file keys); a broken file keeps the routing in force and logs every problem. */
  const reload = async (): Promise<void> => {
    if (!config.llm.modelsFile) return;
    try {
      const next = await loadModelsFile(config.llm.modelsFile, config.startEnvironment.values, config.llm);
      const removed = llm.reload(next);
      syncBreakers();
      logger.info({ providers: next.providers.map((provider) => provider.id), models: next.models.map((model) => model.name), removed: removed.map((provider) => provider.id) }, 'models file reloaded');
    } catch (error) {
      if (!(error instanceof ModelsFileError)) throw error;
      logger.error({ problems: error.problems }, 'models file not reloaded: the routing in force stays');
    }
  };
  return { llm, reload, reloadable: config.llm.modelsFile !== undefined };
}

/** The providers and models, or exit 1 listing every problem of a broken MODELS_FILE. */
async function resolveModels(config: Config, logger: Logger, closeables: Closeable[]): Promise<{ models: ModelsConfig; embedded?: string }> {
  if (config.llm.modelsFile) {
    try {
      return { models: await loadModelsFile(config.llm.modelsFile, config.startEnvironment.values, config.llm) };
    } catch (error) {
      if (!(error instanceof ModelsFileError)) throw error;
      process.stderr.write(`levee: ${error.message}\n`);
      process.exit(1);
    }
  }
  if (config.llm.baseUrl) return { models: singleProviderModels({ ...config.llm, baseUrl: config.llm.baseUrl }) };
  const simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
  closeables.push({ name: 'simulator', close: () => simulator.close() });
  logger.warn({ url: simulator.url }, 'LLM_BASE_URL unset: serving from the embedded simulator (fake answers, fault injection at /_sim)');
  return { models: singleProviderModels({ ...config.llm, baseUrl: simulator.url, apiKey: undefined }), embedded: simulator.url };
}

function upstreamLabel(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${url.host}${url.pathname}`;
}
