/**
 * `GET /admin/console/state`: everything the ops console shows, read in one go from live objects
 * (breakers, policies, the routing table, caches, job stores) and, for the routing counters that
 * live only there, the metrics registry. No prompt, key or owner leaves here. A job store that
 * cannot answer in time (Postgres down) leaves `jobs` null rather than the page without state:
 * during an outage the breakers are what the operator came for.
 */
import type { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import type { RoutingCounts } from '../../telemetry/routing-counts.ts';
import type { Caches } from '../cache/caches.ts';
import { describeBreakers, type BreakerRegistry } from '../circuit-breakers/circuit-breakers.ts';
import type { HealthService } from '../health/health-service.ts';
import { reportDependency } from './dependency-report.ts';
import { recentJobs, type JobStores } from './recent-jobs.ts';

/** Jobs listed: the newest of batches and imports together. */
const JOBS_LISTED = 50;
/** The job stores get this long to answer (ms); the rest of the state does not wait longer. */
const JOBS_READ_MS = 1_500;

export interface ConsoleStateSources {
  health: Pick<HealthService, 'summary'>;
  /** Off without REDIS_URL; degraded while any shared feature runs on local state. */
  sharedState: () => 'off' | 'ok' | 'degraded';
  /** Replicas sharing the fleet's state (Redis heartbeats); undefined without Redis. */
  liveReplicas: () => number | undefined;
  breakers: BreakerRegistry;
  /** Every dependency's live policies: each LLM provider's, Postgres's, Redis's. */
  dependencies: () => ReadonlyArray<DependencyPolicies<string>>;
  /** Deployments able to serve each public model now. */
  models: () => ReadonlyArray<{ label: string; deployments: number }>;
  routing: () => Promise<RoutingCounts>;
  caches?: Pick<Caches, 'stats'>;
  jobs: JobStores;
}

export async function readConsoleState(sources: ConsoleStateSources, signal: AbortSignal) {
  const { version, uptime_s } = sources.health.summary();
  const registered = new Set(sources.breakers.keys());
  const [dependencies, routing, jobs] = await Promise.all([
    Promise.all(sources.dependencies().map((policies) => reportDependency(policies, registered, signal))),
    sources.routing(),
    recentJobs(sources.jobs, JOBS_LISTED, AbortSignal.any([signal, AbortSignal.timeout(JOBS_READ_MS)])).catch(() => null),
  ]);
  return {
    at: new Date().toISOString(),
    replica: { version, uptime_s, shared_state: sources.sharedState(), live_replicas: sources.liveReplicas() ?? null },
    breakers: describeBreakers(sources.breakers).circuit_breakers,
    dependencies,
    routing: {
      models: Object.fromEntries(sources.models().map(({ label, deployments }) => [label, { deployments_available: deployments }])),
      ...routing,
    },
    jobs,
    caches: sources.caches ? cacheSummaries(sources.caches.stats()) : {},
  };
}

function cacheSummaries(stats: ReturnType<Caches['stats']>) {
  return Object.fromEntries(
    Object.entries(stats).map(([name, cache]) => [
      name,
      { hit_ratio: cache.hit_ratio, hits: cache.hits, misses: cache.misses, entries: cache.entries, bytes: cache.bytes, max_bytes: cache.max_bytes, tiers: cache.tiers },
    ]),
  );
}
