// Levee dependencies and resilience: what each policy (breaker, retries, timeouts, bulkhead,
// rate-limit gate, outgoing quota) is doing to the calls to the LLM, Postgres and Redis.
// Read top-down as a call meets the policies: is the breaker letting it through, did it succeed,
// was it retried, how long may it take, did it get a slot, did the quota hold it back.
local g = import 'lib/grafana.libsonnet';
local q = import 'lib/queries.libsonnet';

// Every dependency series, and for the LLM the provider chosen (Postgres and Redis have no
// provider label, so they show under "All"). `provider` is in every `by` that splits the LLM by
// provider; for Postgres and Redis it is empty and changes nothing.
local dep = [q.dependency, q.provider];

local queries = {
  breakerState: q.breakerStateCode,
  breakerTransitions: q.sumIncrease('levee_circuit_breaker_transitions_total', ['dependency', 'provider', 'from', 'to'], dep),
  breakerRejected: q.sumRate('levee_circuit_breaker_rejected_calls_total', ['dependency', 'provider', 'state'], dep),
  calls: q.sumRate('levee_dependency_calls_total', ['dependency', 'provider', 'outcome'], dep),
  attempts: q.sumRate('levee_dependency_attempts_total', ['dependency', 'provider', 'outcome'], dep),
  retries: q.sumRate('levee_dependency_retries_total', ['dependency', 'provider', 'reason'], dep),
  giveUps: q.sumRate('levee_dependency_retry_give_ups_total', ['dependency', 'provider', 'reason'], dep),
  budgetExhausted: q.sumRate('levee_retry_budget_exhausted_total', ['dependency', 'provider'], dep),
  gateClosedFor: q.aggregate('max', 'levee_upstream_rate_limited_seconds', ['dependency', 'provider'], dep),
  gateRejected: q.sumRate('levee_upstream_rate_limit_rejections_total', ['dependency', 'provider'], dep),
  // Per replica settings and estimates: max over replicas shows the longest a call may take.
  timeouts: {
    [name]: q.aggregate('max', 'levee_%s' % name, ['dependency', 'provider', 'operation', 'model'], dep)
    for name in ['adaptive_timeout_seconds', 'adaptive_timeout_ceiling_seconds', 'dependency_latency_p95_seconds']
  },
  callP95: q.quantile(0.95, 'levee_dependency_call_duration_seconds', ['dependency', 'provider', 'operation'], dep),
  attemptP95: q.quantile(0.95, 'levee_dependency_attempt_duration_seconds', ['dependency', 'provider', 'operation'], dep),
  bulkhead(gauge): q.aggregate('sum', 'levee_bulkhead_%s_calls' % gauge, ['dependency', 'provider'], dep),
  bulkheadRejected: q.sumRate('levee_bulkhead_rejected_calls_total', ['dependency', 'provider', 'reason'], dep),
  quotaWaits: q.sumRate('levee_upstream_quota_wait_seconds_count', ['dependency', 'provider', 'quota'], dep),
  quotaRejected: q.sumRate('levee_upstream_quota_rejections_total', ['dependency', 'provider', 'quota'], dep),
  sharedStateDegraded: q.aggregate('max', 'levee_shared_state_degraded', ['feature']),
  sharedStateFallbacks: q.sumRate('levee_shared_state_fallbacks_total', ['feature']),

  // Routing (LLM only). A deployment is provider + upstream_model; `model` is the public name.
  local routed = 'levee_llm_routed_calls_total',
  // Each deployment's share of its public model's calls (every outcome): the numerator keeps the
  // provider filter, the denominator is the model's whole traffic.
  routedShare: '%s\n/ on (model) group_left\n%s' % [
    q.sumRate(routed, ['model', 'provider', 'upstream_model'], [q.provider]),
    q.sumRate(routed, ['model']),
  ],
  routedCalls: q.sumRate(routed, ['model', 'provider', 'upstream_model', 'outcome'], [q.provider]),
  fallbacks: q.sumRate('levee_llm_fallbacks_total', ['model', 'fallback_model']),
  hedges: q.sumRate('levee_llm_hedges_total', ['operation', 'model', 'event']),
  misconfigured: q.sumRate('levee_llm_deployment_misconfigured_total', ['provider', 'upstream_model', 'http_response_status_code'], [q.provider]),
  // The worst replica: LeveeModelUnavailable pages when any replica sees 0.
  deploymentsAvailable: q.aggregate('min', 'levee_llm_model_deployments_available', ['model']),
};

g.dashboard(
  'dependencies',
  'Levee dependencies and resilience',
  'Per dependency, and for the LLM per provider: circuit breaker, call and attempt outcomes, retries, adaptive timeouts, bulkhead, rate-limit gate, outgoing quota and shared-state degradation; and how LLM routing spreads each public model over its deployments and fallbacks.',
  [
    g.row('Circuit breaker'),
    g.stateTimeline(
      'Breaker state',
      'Circuit breaker state per dependency (the LLM: one breaker per provider) and replica. Good: closed (green) throughout; open (red) means calls fail fast with 503, half_open (yellow) is a probe in flight, isolated (purple) is an operator\'s manual hold.',
      [g.target(queries.breakerState, '{{dependency}} {{provider}} {{instance}}')],
      q.breakerStates,
    ),
    g.timeseries(
      'Breaker transitions',
      'State changes per rate interval, by dependency (and LLM provider) and from → to. Good: none; closed → open now and then is the breaker doing its job, a repeating open → half_open → open cycle means the dependency is still down.',
      'short',
      [g.target(queries.breakerTransitions, '{{dependency}} {{provider}} {{from}} → {{to}}')],
      min=0,
    ),
    g.timeseries(
      'Calls rejected by the breaker',
      'Calls refused without trying because the breaker was open, half-open (probe busy) or isolated. Good: 0; each one is a client request that failed fast (or was served stale from a cache).',
      'ops',
      [g.target(queries.breakerRejected, '{{dependency}} {{provider}} {{state}}')],
      min=0,
    ),

    g.row('Routing (LLM)'),
    g.stat(
      'Deployments available per model',
      'Per public model, the deployments (provider + upstream model) able to serve it now, its fallback models\' included: breaker closed. On the worst replica. model="_any" is the single provider serving every model without a models file. Good: 1 or more (green); 0 (red) means its requests fail fast with 503, and pages as LeveeModelUnavailable.',
      'none',
      [g.target(queries.deploymentsAvailable, '{{model}}')],
      w=24,
      thresholds=[[1, 'green']],
      base='red',
    ),
    g.timeseries(
      'Traffic share per deployment',
      'Each deployment\'s share of its public model\'s calls (every outcome), by the deployment that ended the call. Good: close to the weights of the models file; a deployment falling to 0 while another takes all is a breaker open or a provider being avoided for its health (latency, failures, rate-limit headroom).',
      'percentunit',
      [g.target(queries.routedShare, '{{model}} → {{provider}}/{{upstream_model}}')],
      min=0,
      max=1,
    ),
    g.timeseries(
      'Routed calls by deployment and outcome',
      'LLM calls per second by public model, the deployment that ended them and the outcome (success, or the last failure). Good: success dominates on every deployment.',
      'ops',
      [g.target(queries.routedCalls, '{{model}} → {{provider}}/{{upstream_model}} {{outcome}}')],
      stack=true,
    ),
    g.timeseries(
      'Fallbacks per model',
      'Chat calls per second answered by a fallback model because every deployment of the model asked for failed or was unavailable. Good: 0; sustained, the model asked for has no healthy deployment and clients get another model.',
      'ops',
      [g.target(queries.fallbacks, '{{model}} → {{fallback_model}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Hedges by event',
      'Hedged requests per second: sent (a second deployment asked once the first ran past its live P95), won (the hedge answered first), cancelled (the loser aborted), budget_exhausted (not sent: over the hedge budget). Good: sent a few percent of calls at most; budget_exhausted near 0; many wins mean one deployment is slow.',
      'ops',
      [g.target(queries.hedges, '{{operation}} {{model}} {{event}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Misconfigured deployments',
      'Attempts per second a provider refused as misconfigured: 401 (wrong key), 403 (no access), 404 (unknown upstream model); the call moved on to another deployment. Good: 0; anything is a models file or key to fix, not an outage.',
      'ops',
      [g.target(queries.misconfigured, '{{provider}}/{{upstream_model}} {{http_response_status_code}}')],
      w=8,
      min=0,
    ),

    g.row('Calls, attempts and retries'),
    g.timeseries(
      'Calls by final outcome',
      'Logical calls (all attempts together) per second by their final outcome. Good: almost all success; a failure here reached the client unless a cache served stale.',
      'ops',
      [g.target(queries.calls, '{{dependency}} {{provider}} {{outcome}}')],
      stack=true,
    ),
    g.timeseries(
      'Attempts by outcome',
      'Single attempts per second by outcome. Good: success dominates; failed attempts above the failed calls are the ones retries rescued.',
      'ops',
      [g.target(queries.attempts, '{{dependency}} {{provider}} {{outcome}}')],
      stack=true,
    ),
    g.timeseries(
      'Retries by reason',
      'Retries scheduled per second, by the failure that caused them. Good: near 0; a rise points at the failing dependency and the failure kind (timeout, http_5xx, http_429, ...).',
      'ops',
      [g.target(queries.retries, '{{dependency}} {{provider}} {{reason}}')],
      min=0,
    ),
    g.timeseries(
      'Retry give-ups by reason',
      'Failed calls not retried (again), by why: not_retryable, attempts_exhausted, deadline, budget_exhausted. Good: near 0; not_retryable is usually a client or configuration error.',
      'ops',
      [g.target(queries.giveUps, '{{dependency}} {{provider}} {{reason}}')],
      min=0,
    ),
    g.timeseries(
      'Retry budget exhausted',
      'Retries refused per second because the dependency\'s retry budget was spent. Good: 0; sustained, retries are being shed while the dependency struggles (no retry storm, but less rescue).',
      'ops',
      [g.target(queries.budgetExhausted, '{{dependency}} {{provider}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Rate-limit gate closed for',
      'Seconds until the dependency accepts calls again after it answered 429 or 503 with Retry-After (longest over replicas). Good: 0.',
      's',
      [g.target(queries.gateClosedFor, '{{dependency}} {{provider}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Rate-limit gate rejections',
      'Calls answered at once because the rate-limit gate stays closed past their deadline. Good: 0.',
      'ops',
      [g.target(queries.gateRejected, '{{dependency}} {{provider}}')],
      w=8,
      min=0,
    ),

    g.row('Timeouts and latency'),
    g.timeseries(
      'Adaptive timeout, ceiling and observed P95',
      'Per operation and model: the attempt timeout (P95 × multiplier, within its floor and ceiling), its ceiling, and the live P95 it follows (0 until enough samples). Good: the timeout well above the P95 and below the ceiling; a timeout sitting on its ceiling means slow calls are being cut.',
      's',
      [
        g.target(queries.timeouts.adaptive_timeout_seconds, 'timeout {{dependency}} {{provider}}/{{operation}} {{model}}'),
        g.target(queries.timeouts.adaptive_timeout_ceiling_seconds, 'ceiling {{dependency}} {{provider}}/{{operation}} {{model}}'),
        g.target(queries.timeouts.dependency_latency_p95_seconds, 'p95 {{dependency}} {{provider}}/{{operation}} {{model}}'),
      ],
      min=0,
    ),
    g.timeseries(
      'Call and attempt duration p95',
      'p95 duration of logical calls (retries and waits included) and of single attempts (streams: until the first chunk), per operation. Good: calls close to attempts (few retries) and stable; dots are exemplars linking to traces.',
      's',
      [
        g.target(queries.callP95, 'call {{dependency}} {{provider}}/{{operation}}', exemplar=true),
        g.target(queries.attemptP95, 'attempt {{dependency}} {{provider}}/{{operation}}', exemplar=true),
      ],
      min=0,
    ),

    g.row('Bulkhead'),
    g.timeseries(
      'Bulkhead slots',
      'Calls holding a slot, calls queued for one, and the slots there are, summed over replicas. Good: active well below capacity and nothing queued.',
      'short',
      [g.target(queries.bulkhead(gauge), gauge + ' {{dependency}} {{provider}}') for gauge in ['active', 'queued', 'capacity']],
      min=0,
    ),
    g.timeseries(
      'Bulkhead rejections',
      'Calls refused by a full bulkhead: queue_full (no room to wait) or queue_timeout (waited too long). Good: 0; any means the dependency is too slow or the bulkhead too small for the load.',
      'ops',
      [g.target(queries.bulkheadRejected, '{{dependency}} {{provider}} {{reason}}')],
      min=0,
    ),

    g.row('Outgoing quota and shared state'),
    g.timeseries(
      'Quota waits',
      'Calls per second that waited for the fleet-wide outgoing quota (requests, tokens, concurrent) before going out. Good: near 0; a steady rate means the provider quota is the bottleneck. Only dependencies with a quota configured show here.',
      'ops',
      [g.target(queries.quotaWaits, '{{dependency}} {{provider}} {{quota}}')],
      min=0,
    ),
    g.timeseries(
      'Quota rejections',
      'Calls refused without reaching the provider because the quota would outlast their deadline. Good: 0.',
      'ops',
      [g.target(queries.quotaRejected, '{{dependency}} {{provider}} {{quota}}')],
      min=0,
    ),
    g.stateTimeline(
      'Shared state degraded',
      'Per shared-state feature: whether any replica runs it on local state because Redis failed (a breaker, limit or quota then holds per replica, not fleet-wide). Good: shared (green) throughout; always shared without REDIS_URL.',
      [g.target(queries.sharedStateDegraded, '{{feature}}')],
      [{ value: 0, text: 'shared', color: 'green' }, { value: 1, text: 'local', color: 'red' }],
      w=12,
    ),
    g.timeseries(
      'Shared-state fallbacks',
      'Operations per second that fell back to local state because Redis failed, timed out or was skipped. Good: 0.',
      'ops',
      [g.target(queries.sharedStateFallbacks, '{{feature}}')],
      h=6,
      min=0,
    ),
  ],
  variables=[
    g.variables.query('dependency', 'Dependency', 'label_values(levee_circuit_breaker_state{job=~"$job", instance=~"$instance"}, dependency)'),
    // LLM providers; Postgres and Redis series have none and show only under "All".
    g.variables.query('provider', 'LLM provider', 'label_values(levee_circuit_breaker_state{job=~"$job", instance=~"$instance", dependency="llm"}, provider)'),
  ],
)
