/**
 * Pins every name Levee emits, byte for byte. Semantic-convention names come from
 * `@opentelemetry/semantic-conventions` (the GenAI ones from its `/incubating` entry point, which
 * may change in a minor release): an upgrade that moves one fails here rather than silently
 * renaming a Prometheus series, a label dashboards join on or a span attribute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_METRIC_RENAMES,
  LABEL,
  METRIC,
  prometheusName,
  SPAN_ATTRIBUTE,
  SPAN_EVENT,
  SPAN_EVENT_ATTRIBUTE,
  TRACER_NAME,
} from './names.ts';

describe('telemetry names', () => {
  it('prometheusName turns dots into underscores and appends a unit suffix when given', () => {
    assert.equal(prometheusName('http.server.request.duration', 'seconds'), 'http_server_request_duration_seconds');
    assert.equal(prometheusName('gen_ai.client.token.usage'), 'gen_ai_client_token_usage');
    assert.equal(prometheusName('http.response.status_code'), 'http_response_status_code');
    assert.equal(prometheusName('plain'), 'plain');
  });

  it('the semantic-convention names derived from the package constants', () => {
    assert.equal(METRIC.httpServerDuration, 'http_server_request_duration_seconds');
    assert.equal(METRIC.tokenUsage, 'gen_ai_client_token_usage');
    assert.equal(LABEL.method, 'http_request_method');
    assert.equal(LABEL.route, 'http_route');
    assert.equal(LABEL.status, 'http_response_status_code');
    assert.equal(LABEL.tokenType, 'gen_ai_token_type');
    assert.equal(LABEL.genAiOperation, 'gen_ai_operation_name');
    assert.equal(SPAN_ATTRIBUTE.resendCount, 'http.request.resend_count');
    assert.equal(SPAN_ATTRIBUTE.errorType, 'error.type');
    assert.equal(SPAN_ATTRIBUTE.genAiOperation, 'gen_ai.operation.name');
    assert.equal(SPAN_ATTRIBUTE.genAiSystem, 'gen_ai.system');
    assert.equal(SPAN_ATTRIBUTE.genAiRequestModel, 'gen_ai.request.model');
    assert.equal(SPAN_ATTRIBUTE.genAiInputTokens, 'gen_ai.usage.input_tokens');
    assert.equal(SPAN_ATTRIBUTE.genAiOutputTokens, 'gen_ai.usage.output_tokens');
  });

  it('every metric name, exactly', () => {
    assert.deepEqual(METRIC, {
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
      bulkheadWaited: 'levee_bulkhead_waited_calls_total',
      adaptiveTimeout: 'levee_adaptive_timeout_seconds',
      adaptiveTimeoutCeiling: 'levee_adaptive_timeout_ceiling_seconds',
      observedP95: 'levee_dependency_latency_p95_seconds',
      rateLimitedFor: 'levee_upstream_rate_limited_seconds',
      rateLimitRejected: 'levee_upstream_rate_limit_rejections_total',
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
      routedCalls: 'levee_llm_routed_calls_total',
      fallbacks: 'levee_llm_fallbacks_total',
      hedges: 'levee_llm_hedges_total',
      misconfiguredDeployments: 'levee_llm_deployment_misconfigured_total',
      modelDeploymentsAvailable: 'levee_llm_model_deployments_available',
      jobsQueued: 'levee_jobs_queued',
      jobsActive: 'levee_jobs_active',
      jobsOldestWaiting: 'levee_jobs_oldest_waiting_seconds',
      batchLines: 'levee_batch_lines_total',
      importDocuments: 'levee_import_documents_total',
      websocketConnections: 'levee_websocket_connections',
      websocketConnectionsLimit: 'levee_websocket_connections_limit',
      websocketRefused: 'levee_websocket_refused_total',
      websocketClosed: 'levee_websocket_closed_total',
      websocketTerminated: 'levee_websocket_terminated_total',
      websocketMessagesSent: 'levee_websocket_messages_sent_total',
      websocketSendBufferDrops: 'levee_websocket_send_buffer_drops_total',
    });
  });

  it('every label name, exactly', () => {
    assert.deepEqual(LABEL, {
      dependency: 'dependency',
      provider: 'provider',
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
      method: 'http_request_method',
      route: 'http_route',
      status: 'http_response_status_code',
      tokenType: 'gen_ai_token_type',
      genAiOperation: 'gen_ai_operation_name',
      feature: 'feature',
      scope: 'scope',
      policy: 'policy',
      quota: 'quota',
      cache: 'cache',
      result: 'result',
      tier: 'tier',
      messageType: 'type',
    });
  });

  it('every span attribute, event and event attribute name, and the tracer name, exactly', () => {
    assert.deepEqual(SPAN_ATTRIBUTE, {
      dependency: 'levee.dependency',
      operation: 'levee.operation',
      attempts: 'levee.attempts',
      outcome: 'levee.outcome',
      breakerState: 'levee.circuit_breaker.state',
      timeoutMs: 'levee.attempt.timeout_ms',
      resendCount: 'http.request.resend_count',
      errorType: 'error.type',
      clientName: 'levee.client.name',
      genAiOperation: 'gen_ai.operation.name',
      genAiSystem: 'gen_ai.system',
      genAiRequestModel: 'gen_ai.request.model',
      genAiResponseModel: 'gen_ai.response.model',
      provider: 'levee.provider',
      fallbackModel: 'levee.route.fallback_model',
      hedged: 'levee.route.hedged',
      genAiInputTokens: 'gen_ai.usage.input_tokens',
      genAiOutputTokens: 'gen_ai.usage.output_tokens',
    });
    assert.deepEqual(SPAN_EVENT, {
      retry: 'levee.retry',
      retryGiveUp: 'levee.retry.give_up',
      breakerTransition: 'levee.circuit_breaker.transition',
      breakerRejected: 'levee.circuit_breaker.rejected',
      bulkheadRejected: 'levee.bulkhead.rejected',
      rateLimited: 'levee.rate_limit_gate.rejected',
      quotaWaited: 'levee.quota.waited',
      quotaRejected: 'levee.quota.rejected',
    });
    assert.deepEqual(SPAN_EVENT_ATTRIBUTE, {
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
    });
    assert.equal(TRACER_NAME, 'levee');
  });

  it("prom-client's renamed default gauges", () => {
    assert.deepEqual(DEFAULT_METRIC_RENAMES, {
      nodejs_active_handles_total: 'nodejs_active_handles_all_types',
      nodejs_active_requests_total: 'nodejs_active_requests_all_types',
      nodejs_active_resources_total: 'nodejs_active_resources_all_types',
    });
  });
});
