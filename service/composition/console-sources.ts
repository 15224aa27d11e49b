/**
 * Wires what the ops console reads (features/console/console-state.ts) to the live objects main.ts
 * built: the dependencies' policies (each LLM provider in force after any reload, Postgres,
 * Redis), the routing table, the fleet, the caches, the job stores and the routing counters.
 */
import type { SharedState } from '../capabilities/fleet/shared-state.ts';
import type { createLlmDependency } from '../deps/llm/llm-dependency.ts';
import type { PostgresDependency } from '../deps/postgres/postgres-dependency.ts';
import type { RedisDependency } from '../deps/redis/redis-dependency.ts';
import type { BatchesDeps } from '../features/batches/batches.ts';
import type { Caches } from '../features/cache/caches.ts';
import type { BreakerRegistry } from '../features/circuit-breakers/circuit-breakers.ts';
import type { ConsoleStateSources } from '../features/console/console-state.ts';
import type { HealthService } from '../features/health/health-service.ts';
import type { ImportsDeps } from '../features/imports/imports.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { routingCounts } from '../telemetry/routing-counts.ts';

export interface ConsoleSourcesOptions {
  health: HealthService;
  llm: Pick<ReturnType<typeof createLlmDependency>, 'providers' | 'table'>;
  postgres: PostgresDependency;
  redis: RedisDependency | undefined;
  fleet: SharedState | undefined;
  breakers: BreakerRegistry;
  metrics: Metrics;
  caches: Caches;
  batches: BatchesDeps;
  imports: ImportsDeps;
}

export function consoleSources(options: ConsoleSourcesOptions): ConsoleStateSources {
  const { llm, postgres, redis, fleet, metrics } = options;
  return {
    health: options.health,
    sharedState: () => (redis ? (redis.degradation.anyDegraded ? 'degraded' : 'ok') : 'off'),
    liveReplicas: () => fleet?.liveReplicas,
    breakers: options.breakers,
    dependencies: () => [...llm.providers().map((provider) => provider.policies), postgres.policies, ...(redis ? [redis.policies] : [])],
    models: () => llm.table().availability(),
    routing: () => routingCounts(metrics),
    caches: options.caches,
    jobs: { batches: options.batches.store, imports: options.imports.store },
  };
}
