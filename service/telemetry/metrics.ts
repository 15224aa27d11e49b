/**
 * Levee's Prometheus metrics (prom-client), one registry per process. Known label values are
 * initialised at 0 where they are registered, so dashboards and alerts see series before the
 * first event. Latency histograms carry trace-id exemplars, visible when scraped as OpenMetrics.
 */
import client from 'prom-client';
import { jobMetrics, websocketMetrics } from './work-metrics.ts';
import { DEFAULT_METRIC_RENAMES, DEPENDENCY_DURATION_BUCKETS, HTTP_DURATION_BUCKETS, LABEL, METRIC, TOKEN_BUCKETS } from './names.ts';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new client.Registry();
  // Exemplars are only rendered by an OpenMetrics registry; MetricsExposition switches per scrape.
  registry.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE as never);
  client.collectDefaultMetrics({ register: registry });
  renameDefaultMetrics(registry);
  const registers = [registry];

  return {
    registry,
    /** Run before each scrape to bring clock-driven gauges up to date. */
    refreshers: new Set<() => void>(),
    httpServerDuration: new client.Histogram({
      name: METRIC.httpServerDuration,
      help: 'Duration of inbound HTTP requests, by route pattern (never the raw path).',
      labelNames: [LABEL.method, LABEL.route, LABEL.status],
      buckets: HTTP_DURATION_BUCKETS,
      enableExemplars: true,
      registers,
    }),
    dependencyCalls: new client.Counter({
      name: METRIC.dependencyCalls,
      help: 'Logical dependency calls (all attempts together), by final outcome.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.outcome],
      registers,
    }),
    dependencyAttempts: new client.Counter({
      name: METRIC.dependencyAttempts,
      help: 'Attempts that reached a dependency (or its attempt timeout), by outcome.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.outcome],
      registers,
    }),
    dependencyCallDuration: new client.Histogram({
      name: METRIC.dependencyCallDuration,
      help: 'Duration of logical dependency calls, retries and waits included.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.outcome],
      buckets: DEPENDENCY_DURATION_BUCKETS,
      enableExemplars: true,
      registers,
    }),
    dependencyAttemptDuration: new client.Histogram({
      name: METRIC.dependencyAttemptDuration,
      help: 'Duration of single attempts (for streams: until the first chunk).',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.outcome],
      buckets: DEPENDENCY_DURATION_BUCKETS,
      enableExemplars: true,
      registers,
    }),
    retries: new client.Counter({
      name: METRIC.retries,
      help: 'Retries scheduled, by the failure that caused them.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.reason],
      registers,
    }),
    retryGiveUps: new client.Counter({
      name: METRIC.retryGiveUps,
      help: 'Failed calls not retried (again), by why: not_retryable, attempts_exhausted, deadline, budget_exhausted.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.reason],
      registers,
    }),
    retryBudgetExhausted: new client.Counter({
      name: METRIC.retryBudgetExhausted,
      help: 'Retries refused because the dependency retry budget was spent.',
      labelNames: [LABEL.dependency, LABEL.provider],
      registers,
    }),
    breakerState: new client.Gauge({
      name: METRIC.breakerState,
      help: 'Circuit breaker state: exactly one of closed, open, half_open, isolated is 1 per dependency.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.state],
      registers,
    }),
    breakerTransitions: new client.Counter({
      name: METRIC.breakerTransitions,
      help: 'Circuit breaker state changes.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.from, LABEL.to],
      registers,
    }),
    breakerRejected: new client.Counter({
      name: METRIC.breakerRejected,
      help: 'Calls refused by an open, half-open (probe busy) or isolated breaker without trying.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.state],
      registers,
    }),
    bulkheadActive: new client.Gauge({ name: METRIC.bulkheadActive, help: 'Calls holding a bulkhead slot (streams for their whole life).', labelNames: [LABEL.dependency, LABEL.provider], registers }),
    bulkheadQueued: new client.Gauge({ name: METRIC.bulkheadQueued, help: 'Calls waiting for a bulkhead slot.', labelNames: [LABEL.dependency, LABEL.provider], registers }),
    bulkheadCapacity: new client.Gauge({ name: METRIC.bulkheadCapacity, help: 'Bulkhead slots.', labelNames: [LABEL.dependency, LABEL.provider], registers }),
    bulkheadRejected: new client.Counter({
      name: METRIC.bulkheadRejected,
      help: 'Calls refused by a full bulkhead: queue_full, queue_timeout, or background_yield (background work deferred for interactive calls).',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.reason],
      registers,
    }),
    bulkheadWaited: new client.Counter({
      name: METRIC.bulkheadWaited,
      help: 'Interactive calls that queued for a bulkhead slot; behind="background" when background calls held slots then (their share was too large for the interactive load).',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.behind],
      registers,
    }),
    adaptiveTimeout: new client.Gauge({
      name: METRIC.adaptiveTimeout,
      help: 'Current adaptive attempt timeout.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.model],
      registers,
    }),
    adaptiveTimeoutCeiling: new client.Gauge({
      name: METRIC.adaptiveTimeoutCeiling,
      help: 'The most an adaptive attempt timeout may grow to (operations whose timeout adapts only); the timeout sitting here means slow calls are cut by it.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.model],
      registers,
    }),
    observedP95: new client.Gauge({
      name: METRIC.observedP95,
      help: 'Live P95 latency of successful attempts the adaptive timeout is derived from (0 before enough samples).',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.operation, LABEL.model],
      registers,
    }),
    rateLimitedFor: new client.Gauge({
      name: METRIC.rateLimitedFor,
      help: 'Seconds until the dependency accepts calls again after a 429 or 503 with Retry-After (0 when open).',
      labelNames: [LABEL.dependency, LABEL.provider],
      registers,
    }),
    rateLimitRejected: new client.Counter({
      name: METRIC.rateLimitRejected,
      help: 'Calls answered at once because the rate-limit gate outlasted their deadline.',
      labelNames: [LABEL.dependency, LABEL.provider],
      registers,
    }),
    tokenUsage: new client.Histogram({
      name: METRIC.tokenUsage,
      help: 'Tokens per LLM call (OTel gen_ai.client.token.usage), input and output.',
      labelNames: [LABEL.genAiOperation, LABEL.model, LABEL.tokenType],
      buckets: TOKEN_BUCKETS,
      registers,
    }),
    timeToFirstToken: new client.Histogram({
      name: METRIC.timeToFirstToken,
      help: 'Time from the start of a streaming call to its first content chunk.',
      labelNames: [LABEL.model],
      buckets: DEPENDENCY_DURATION_BUCKETS,
      enableExemplars: true,
      registers,
    }),
    sharedStateDegraded: new client.Gauge({
      name: METRIC.sharedStateDegraded,
      help: '1 while a shared-state feature (circuit_breakers, rate_limits, quotas, caches) runs on local state because Redis is unreachable; 0 when shared or when no REDIS_URL is set.',
      labelNames: [LABEL.feature],
      registers,
    }),
    sharedStateFallbacks: new client.Counter({
      name: METRIC.sharedStateFallbacks,
      help: 'Operations that fell back to local state because Redis failed, timed out or was skipped (breaker open).',
      labelNames: [LABEL.feature],
      registers,
    }),
    rateLimitDecisions: new client.Counter({
      name: METRIC.rateLimitDecisions,
      help: 'Inbound rate-limit decisions by route, scope (key or ip), policy and outcome (allowed: counted; limited: refused by that policy).',
      labelNames: [LABEL.route, LABEL.scope, LABEL.policy, LABEL.outcome],
      registers,
    }),
    authFailures: new client.Counter({
      name: METRIC.authFailures,
      help: 'Requests refused for missing or unknown client credentials.',
      labelNames: [LABEL.reason],
      registers,
    }),
    quotaWait: new client.Histogram({
      name: METRIC.quotaWait,
      help: 'Time calls waited for the fleet-wide outgoing quota before going out.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.quota],
      buckets: DEPENDENCY_DURATION_BUCKETS,
      registers,
    }),
    quotaRejected: new client.Counter({
      name: METRIC.quotaRejected,
      help: 'Calls refused without reaching the provider because the fleet-wide quota outlasted their deadline.',
      labelNames: [LABEL.dependency, LABEL.provider, LABEL.quota],
      registers,
    }),
    cacheRequests: new client.Counter({
      name: METRIC.cacheRequests,
      help: 'Cacheable calls by cache and result: hit, miss, stale (served past its TTL because the dependency failed), error (failed, nothing to serve), bypass.',
      labelNames: [LABEL.cache, LABEL.result],
      registers,
    }),
    cacheEntries: new client.Gauge({ name: METRIC.cacheEntries, help: 'Entries in the in-process (LRU) tier.', labelNames: [LABEL.cache], registers }),
    cacheBytes: new client.Gauge({ name: METRIC.cacheBytes, help: 'Bytes (JSON size) held by the in-process (LRU) tier.', labelNames: [LABEL.cache], registers }),
    cacheEvictions: new client.Counter({
      name: METRIC.cacheEvictions,
      help: 'Entries the in-process tier evicted to stay within its entry or byte bound.',
      labelNames: [LABEL.cache],
      registers,
    }),
    cacheSingleflightJoins: new client.Counter({
      name: METRIC.cacheSingleflightJoins,
      help: 'Cache misses that joined an identical load already in flight instead of calling upstream.',
      labelNames: [LABEL.cache],
      registers,
    }),
    cacheTierErrors: new client.Counter({
      name: METRIC.cacheTierErrors,
      help: 'Cache tier operations that failed or were skipped (Redis down, breaker open, timeout); the cache went on with the other tier.',
      labelNames: [LABEL.cache, LABEL.tier],
      registers,
    }),
    routedCalls: new client.Counter({
      name: METRIC.routedCalls,
      help: 'LLM calls by the public model asked for and the deployment (provider, upstream_model) that ended them: outcome success, or the last failure.',
      labelNames: [LABEL.operation, LABEL.model, LABEL.provider, LABEL.upstreamModel, LABEL.outcome],
      registers,
    }),
    fallbacks: new client.Counter({
      name: METRIC.fallbacks,
      help: 'Chat calls a fallback model answered because every deployment of the model asked for failed or was unavailable.',
      labelNames: [LABEL.model, LABEL.fallbackModel],
      registers,
    }),
    hedges: new client.Counter({
      name: METRIC.hedges,
      help: 'Hedged requests: event sent (a second deployment asked after the live P95), won (the hedge answered first), cancelled (the loser aborted), budget_exhausted (not sent: over the hedge budget).',
      labelNames: [LABEL.operation, LABEL.model, LABEL.event],
      registers,
    }),
    misconfiguredDeployments: new client.Counter({
      name: METRIC.misconfiguredDeployments,
      help: 'Attempts a provider refused as misconfigured (401, 403, 404: wrong key, no access, unknown model); the call moved on to another deployment.',
      labelNames: [LABEL.provider, LABEL.upstreamModel, LABEL.status],
      registers,
    }),
    ...jobMetrics(registers),
    ...websocketMetrics(registers),
    modelDeploymentsAvailable: new client.Gauge({
      name: METRIC.modelDeploymentsAvailable,
      help: 'Deployments able to serve a public model now, its fallbacks included: breaker closed (half-open admits only a probe). 0: its requests fail. model="_any" for the provider serving every model without a MODELS_FILE.',
      labelNames: [LABEL.model],
      registers,
    }),
  };
}

/**
 * Moves each default gauge named in DEFAULT_METRIC_RENAMES to its new name: same help text, same
 * value (prom-client's own collect function runs on the new gauge at each scrape).
 */
function renameDefaultMetrics(registry: client.Registry): void {
  for (const [from, to] of Object.entries(DEFAULT_METRIC_RENAMES)) {
    const original = registry.getSingleMetric(from);
    // prom-client registers these only where Node has the API behind them.
    if (!(original instanceof client.Gauge)) continue;
    const { help, collect } = original as unknown as { help: string; collect: (this: client.Gauge) => void | Promise<void> };
    registry.removeSingleMetric(from);
    new client.Gauge({ name: to, help, collect, registers: [registry] });
  }
}

/**
 * Observes a histogram that has exemplars enabled, attaching the trace id when there is one.
 * (prom-client types exemplar labels as the metric's own labels; they are free-form.)
 */
export function observeWithExemplar<Label extends string>(
  histogram: client.Histogram<Label>,
  labels: Partial<Record<Label, string | number>>,
  value: number,
  exemplar: Record<string, string> | undefined,
): void {
  histogram.observe({ labels, value, exemplarLabels: (exemplar ?? {}) as never });
}
