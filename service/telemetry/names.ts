/**
 * Every metric, span and attribute name Levee emits, in one place. Prometheus base units and
 * suffixes; OpenTelemetry semantic conventions where they exist, taken from
 * `@opentelemetry/semantic-conventions` rather than typed by hand; the dependency is a label,
 * never part of a name.
 *
 * Stable conventions come from the package root. The GenAI ones exist only in its `/incubating`
 * entry point, which may change or drop a name in a minor release. The package's README advises
 * libraries to copy such definitions rather than pin (a pin in a library multiplies copies in
 * node_modules); Levee is an application, so it pins the exact version in package.json instead,
 * and names.test.ts pins every string below: an upgrade that moves a name fails a test rather
 * than renaming a series or an attribute. (In 1.45 the `gen_ai.*` constants are marked deprecated
 * because the GenAI conventions moved to a repository of their own; the names are unchanged.)
 */
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@opentelemetry/semantic-conventions/incubating';

/** `a.b.c` as `a_b_c`, at the type level too. */
type Underscored<Name extends string> = Name extends `${infer Head}.${infer Tail}` ? `${Head}_${Underscored<Tail>}` : Name;

/**
 * The Prometheus form of an OpenTelemetry attribute or metric name: every `.` becomes `_`, and a
 * unit, when given, is appended as a suffix (`http.server.request.duration` with `seconds` gives
 * `http_server_request_duration_seconds`), as OpenTelemetry's Prometheus translation does for
 * these names (they hold no other character Prometheus disallows). The result keeps its literal
 * type, so prom-client still checks label keys against it.
 *
 * @param name A semantic-conventions name, e.g. `ATTR_HTTP_ROUTE`.
 * @param unit A Prometheus base-unit suffix (`seconds`, `bytes`); none for dimensionless
 *   metrics such as a token count (OTel unit `{token}`, which the translation drops).
 */
export function prometheusName<Name extends string>(name: Name): Underscored<Name>;
export function prometheusName<Name extends string, Unit extends string>(name: Name, unit: Unit): `${Underscored<Name>}_${Unit}`;
export function prometheusName(name: string, unit?: string): string {
  const underscored = name.replaceAll('.', '_');
  return unit === undefined ? underscored : `${underscored}_${unit}`;
}

export const METRIC = {
  /** OTel semconv `http.server.request.duration` (unit s) as Prometheus names it. */
  httpServerDuration: prometheusName(METRIC_HTTP_SERVER_REQUEST_DURATION, 'seconds'),
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
  bulkheadWaited: 'levee_bulkhead_waited_calls_total',
  adaptiveTimeout: 'levee_adaptive_timeout_seconds',
  adaptiveTimeoutCeiling: 'levee_adaptive_timeout_ceiling_seconds',
  observedP95: 'levee_dependency_latency_p95_seconds',
  rateLimitedFor: 'levee_upstream_rate_limited_seconds',
  rateLimitRejected: 'levee_upstream_rate_limit_rejections_total',
  /** OTel semconv `gen_ai.client.token.usage` (unit `{token}`: no suffix). */
  tokenUsage: prometheusName(METRIC_GEN_AI_CLIENT_TOKEN_USAGE),
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
  /** Routing: which deployment served each public model's calls, and how. */
  routedCalls: 'levee_llm_routed_calls_total',
  fallbacks: 'levee_llm_fallbacks_total',
  hedges: 'levee_llm_hedges_total',
  misconfiguredDeployments: 'levee_llm_deployment_misconfigured_total',
  modelDeploymentsAvailable: 'levee_llm_model_deployments_available',
  /** Background jobs (the queue on Postgres) and the batch lines they run. */
  jobsQueued: 'levee_jobs_queued',
  jobsActive: 'levee_jobs_active',
  jobsOldestWaiting: 'levee_jobs_oldest_waiting_seconds',
  batchLines: 'levee_batch_lines_total',
  /** Documents of imports into collections, by result. */
  importDocuments: 'levee_import_documents_total',
  websocketConnections: 'levee_websocket_connections',
  websocketConnectionsLimit: 'levee_websocket_connections_limit',
  websocketRefused: 'levee_websocket_refused_total',
  websocketClosed: 'levee_websocket_closed_total',
  websocketTerminated: 'levee_websocket_terminated_total',
  websocketMessagesSent: 'levee_websocket_messages_sent_total',
  websocketSendBufferDrops: 'levee_websocket_send_buffer_drops_total',
} as const;

/** Label names, shared by metrics so dashboards can join them. */
export const LABEL = {
  dependency: 'dependency',
  /** The LLM provider's id from the models file (`default` without one); absent for Postgres and Redis. */
  provider: 'provider',
  /** The provider's own name for a model (a deployment is provider + upstream_model). */
  upstreamModel: 'upstream_model',
  fallbackModel: 'fallback_model',
  event: 'event',
  queue: 'queue',
  endpoint: 'endpoint',
  operation: 'operation',
  outcome: 'outcome',
  reason: 'reason',
  behind: 'behind',
  state: 'state',
  from: 'from',
  to: 'to',
  model: 'model',
  method: prometheusName(ATTR_HTTP_REQUEST_METHOD),
  route: prometheusName(ATTR_HTTP_ROUTE),
  status: prometheusName(ATTR_HTTP_RESPONSE_STATUS_CODE),
  tokenType: prometheusName(ATTR_GEN_AI_TOKEN_TYPE),
  genAiOperation: prometheusName(ATTR_GEN_AI_OPERATION_NAME),
  feature: 'feature',
  scope: 'scope',
  /** An inbound rate-limit policy's name (`ai.key.1h`): a configured, bounded set. */
  policy: 'policy',
  quota: 'quota',
  cache: 'cache',
  result: 'result',
  tier: 'tier',
  /** A WebSocket message's `type` (a fixed set). */
  messageType: 'type',
} as const;

export const SPAN_ATTRIBUTE = {
  dependency: 'levee.dependency',
  operation: 'levee.operation',
  attempts: 'levee.attempts',
  outcome: 'levee.outcome',
  breakerState: 'levee.circuit_breaker.state',
  timeoutMs: 'levee.attempt.timeout_ms',
  resendCount: ATTR_HTTP_REQUEST_RESEND_COUNT,
  errorType: ATTR_ERROR_TYPE,
  /** The API key's configured name, never the key. */
  clientName: 'levee.client.name',
  genAiOperation: ATTR_GEN_AI_OPERATION_NAME,
  /** Superseded by `gen_ai.provider.name` in newer conventions; kept, as switching renames what traces carry. */
  genAiSystem: ATTR_GEN_AI_SYSTEM,
  genAiRequestModel: ATTR_GEN_AI_REQUEST_MODEL,
  /** The provider's model that answered (semconv `gen_ai.response.model`). */
  genAiResponseModel: ATTR_GEN_AI_RESPONSE_MODEL,
  /** The provider id that served the call (or made the attempt). */
  provider: 'levee.provider',
  fallbackModel: 'levee.route.fallback_model',
  hedged: 'levee.route.hedged',
  genAiInputTokens: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  genAiOutputTokens: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
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

/** Attribute keys of Levee's span events (SPAN_EVENT); the dependency is `SPAN_ATTRIBUTE.dependency`. */
export const SPAN_EVENT_ATTRIBUTE = {
  from: 'from',
  to: 'to',
  reason: 'reason',
  state: 'state',
  quota: 'quota',
  attempt: 'attempt',
  attempts: 'attempts',
  retryAfterMs: 'retry_after_ms',
  waitedMs: 'waited_ms',
  delayMs: 'delay_ms',
  errorType: 'error_type',
} as const;

/** The instrumentation scope Levee's own spans are reported under. */
export const TRACER_NAME = 'levee';

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
