/**
 * Every metric, span and attribute name Levee emits, in one place. Prometheus base units and
 * suffixes; OpenTelemetry semantic conventions where they exist; the dependency is a label,
 * never part of a name.
 */

export const METRIC = {
  /** OTel semconv `http.server.request.duration` as Prometheus names it. */
  httpServerDuration: 'http_server_request_duration_seconds',
  dependencyCalls: 'levee_dependency_calls_total',
  dependencyAttempts: 'levee_dependency_attempts_total',
  dependencyCallDuration: 'levee_dependency_call_duration_seconds',
  dependencyAttemptDuration: 'levee_dependency_attempt_duration_seconds',
  retries: 'levee_dependency_retries_total',
  retryGiveUps: 'levee_dependency_retry_give_ups_total',
  retryBudgetExhausted: 'levee_retry_budget_exhausted_total',
  breakerState: 'levee_circuit_breaker_state',
  breakerTransitions: 'levee_circuit_breaker_transitions_total',
  breakerRejected: 'levee_circuit_breaker_rejected_calls_total',
  bulkheadActive: 'levee_bulkhead_active_calls',
  bulkheadQueued: 'levee_bulkhead_queued_calls',
  bulkheadCapacity: 'levee_bulkhead_capacity_calls',
  bulkheadRejected: 'levee_bulkhead_rejected_calls_total',
  adaptiveTimeout: 'levee_adaptive_timeout_seconds',
  adaptiveTimeoutCeiling: 'levee_adaptive_timeout_ceiling_seconds',
  observedP95: 'levee_dependency_latency_p95_seconds',
  rateLimitedFor: 'levee_upstream_rate_limited_seconds',
  rateLimitRejected: 'levee_upstream_rate_limit_rejections_total',
  /** OTel semconv `gen_ai.client.token.usage`. */
  tokenUsage: 'gen_ai_client_token_usage',
  timeToFirstToken: 'levee_llm_time_to_first_token_seconds',
  sharedStateDegraded: 'levee_shared_state_degraded',
  sharedStateFallbacks: 'levee_shared_state_fallbacks_total',
  rateLimitDecisions: 'levee_rate_limit_decisions_total',
  authFailures: 'levee_auth_failures_total',
  quotaWait: 'levee_upstream_quota_wait_seconds',
  quotaRejected: 'levee_upstream_quota_rejections_total',
  cacheRequests: 'levee_cache_requests_total',
  cacheEntries: 'levee_cache_entries',
  cacheBytes: 'levee_cache_bytes',
  cacheEvictions: 'levee_cache_evictions_total',
  cacheSingleflightJoins: 'levee_cache_singleflight_joins_total',
  cacheTierErrors: 'levee_cache_tier_errors_total',
} as const;

/** Label names, shared by metrics so dashboards can join them. */
export const LABEL = {
  dependency: 'dependency',
  operation: 'operation',
  outcome: 'outcome',
  reason: 'reason',
  state: 'state',
  from: 'from',
  to: 'to',
  model: 'model',
  method: 'http_request_method',
  route: 'http_route',
  status: 'http_response_status_code',
  tokenType: 'gen_ai_token_type',
  genAiOperation: 'gen_ai_operation_name',
  feature: 'feature',
  scope: 'scope',
  quota: 'quota',
  cache: 'cache',
  result: 'result',
  tier: 'tier',
} as const;

export const SPAN_ATTRIBUTE = {
  dependency: 'levee.dependency',
  operation: 'levee.operation',
  attempts: 'levee.attempts',
  outcome: 'levee.outcome',
  breakerState: 'levee.circuit_breaker.state',
  timeoutMs: 'levee.attempt.timeout_ms',
  resendCount: 'http.request.resend_count',
  errorType: 'error.type',
  requestId: 'levee.request_id',
  /** The API key's configured name, never the key. */
  clientName: 'levee.client.name',
  genAiOperation: 'gen_ai.operation.name',
  genAiSystem: 'gen_ai.system',
  genAiRequestModel: 'gen_ai.request.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
} as const;

export const SPAN_EVENT = {
  retry: 'levee.retry',
  retryGiveUp: 'levee.retry.give_up',
  breakerTransition: 'levee.circuit_breaker.transition',
  breakerRejected: 'levee.circuit_breaker.rejected',
  bulkheadRejected: 'levee.bulkhead.rejected',
  rateLimited: 'levee.rate_limit_gate.rejected',
  quotaWaited: 'levee.quota.waited',
  quotaRejected: 'levee.quota.rejected',
} as const;

/**
 * prom-client's default metrics, kept as they are except three gauges it names with a counter's
 * `_total` suffix, which `promtool check metrics` rejects (an open prom-client issue, #283 in
 * prometheus/client_js, still so in 15.1.3). Each is the count over all types of the per-type
 * gauge prom-client exports beside it (`nodejs_active_handles{type}`), so it is renamed to that
 * stem plus `_all_types`: it cannot take the bare stem, and `_count`/`_sum` are a histogram's.
 */
export const DEFAULT_METRIC_RENAMES = {
  nodejs_active_handles_total: 'nodejs_active_handles_all_types',
  nodejs_active_requests_total: 'nodejs_active_requests_all_types',
  nodejs_active_resources_total: 'nodejs_active_resources_all_types',
} as const;

/** OTel semconv HTTP duration buckets (seconds). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Dependency calls run longer than HTTP handlers' typical work: the semconv set, extended to LLM timescales. */
export const DEPENDENCY_DURATION_BUCKETS = [...HTTP_DURATION_BUCKETS, 20, 30, 60, 120];
/** OTel semconv `gen_ai.client.token.usage` buckets. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
