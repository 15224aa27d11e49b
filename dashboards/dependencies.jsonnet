// Levee dependencies and resilience: what each policy (breaker, retries, timeouts, bulkhead,
// rate-limit gate, outgoing quota) is doing to the calls to the LLM, Postgres and Redis.
// Read top-down as a call meets the policies: is the breaker letting it through, did it succeed,
// was it retried, how long may it take, did it get a slot, did the quota hold it back.
local g = import 'lib/grafana.libsonnet';
local q = import 'lib/queries.libsonnet';

local dep = [q.dependency];

local queries = {
  breakerState: q.breakerStateCode,
  breakerTransitions: q.sumIncrease('levee_circuit_breaker_transitions_total', ['dependency', 'from', 'to'], dep),
  breakerRejected: q.sumRate('levee_circuit_breaker_rejected_calls_total', ['dependency', 'state'], dep),
  calls: q.sumRate('levee_dependency_calls_total', ['dependency', 'outcome'], dep),
  attempts: q.sumRate('levee_dependency_attempts_total', ['dependency', 'outcome'], dep),
  retries: q.sumRate('levee_dependency_retries_total', ['dependency', 'reason'], dep),
  giveUps: q.sumRate('levee_dependency_retry_give_ups_total', ['dependency', 'reason'], dep),
  budgetExhausted: q.sumRate('levee_retry_budget_exhausted_total', ['dependency'], dep),
  gateClosedFor: q.aggregate('max', 'levee_upstream_rate_limited_seconds', ['dependency'], dep),
  gateRejected: q.sumRate('levee_upstream_rate_limit_rejections_total', ['dependency'], dep),
  // Per replica settings and estimates: max over replicas shows the longest a call may take.
  timeouts: {
    [name]: q.aggregate('max', 'levee_%s' % name, ['dependency', 'operation', 'model'], dep)
    for name in ['adaptive_timeout_seconds', 'adaptive_timeout_ceiling_seconds', 'dependency_latency_p95_seconds']
  },
  callP95: q.quantile(0.95, 'levee_dependency_call_duration_seconds', ['dependency', 'operation'], dep),
  attemptP95: q.quantile(0.95, 'levee_dependency_attempt_duration_seconds', ['dependency', 'operation'], dep),
  bulkhead(gauge): q.aggregate('sum', 'levee_bulkhead_%s_calls' % gauge, ['dependency'], dep),
  bulkheadRejected: q.sumRate('levee_bulkhead_rejected_calls_total', ['dependency', 'reason'], dep),
  quotaWaits: q.sumRate('levee_upstream_quota_wait_seconds_count', ['dependency', 'quota'], dep),
  quotaRejected: q.sumRate('levee_upstream_quota_rejections_total', ['dependency', 'quota'], dep),
  sharedStateDegraded: q.aggregate('max', 'levee_shared_state_degraded', ['feature']),
  sharedStateFallbacks: q.sumRate('levee_shared_state_fallbacks_total', ['feature']),
};

g.dashboard(
  'dependencies',
  'Levee dependencies and resilience',
  'Per dependency: circuit breaker, call and attempt outcomes, retries, adaptive timeouts, bulkhead, rate-limit gate, outgoing quota and shared-state degradation.',
  [
    g.row('Circuit breaker'),
    g.stateTimeline(
      'Breaker state',
      'Circuit breaker state per dependency and replica. Good: closed (green) throughout; open (red) means calls fail fast with 503, half_open (yellow) is a probe in flight, isolated (purple) is an operator\'s manual hold.',
      [g.target(queries.breakerState, '{{dependency}} {{instance}}')],
      q.breakerStates,
    ),
    g.timeseries(
      'Breaker transitions',
      'State changes per rate interval, by dependency and from → to. Good: none; closed → open now and then is the breaker doing its job, a repeating open → half_open → open cycle means the dependency is still down.',
      'short',
      [g.target(queries.breakerTransitions, '{{dependency}} {{from}} → {{to}}')],
      min=0,
    ),
    g.timeseries(
      'Calls rejected by the breaker',
      'Calls refused without trying because the breaker was open, half-open (probe busy) or isolated. Good: 0; each one is a client request that failed fast (or was served stale from a cache).',
      'ops',
      [g.target(queries.breakerRejected, '{{dependency}} {{state}}')],
      min=0,
    ),

    g.row('Calls, attempts and retries'),
    g.timeseries(
      'Calls by final outcome',
      'Logical calls (all attempts together) per second by their final outcome. Good: almost all success; a failure here reached the client unless a cache served stale.',
      'ops',
      [g.target(queries.calls, '{{dependency}} {{outcome}}')],
      stack=true,
    ),
    g.timeseries(
      'Attempts by outcome',
      'Single attempts per second by outcome. Good: success dominates; failed attempts above the failed calls are the ones retries rescued.',
      'ops',
      [g.target(queries.attempts, '{{dependency}} {{outcome}}')],
      stack=true,
    ),
    g.timeseries(
      'Retries by reason',
      'Retries scheduled per second, by the failure that caused them. Good: near 0; a rise points at the failing dependency and the failure kind (timeout, http_5xx, http_429, ...).',
      'ops',
      [g.target(queries.retries, '{{dependency}} {{reason}}')],
      min=0,
    ),
    g.timeseries(
      'Retry give-ups by reason',
      'Failed calls not retried (again), by why: not_retryable, attempts_exhausted, deadline, budget_exhausted. Good: near 0; not_retryable is usually a client or configuration error.',
      'ops',
      [g.target(queries.giveUps, '{{dependency}} {{reason}}')],
      min=0,
    ),
    g.timeseries(
      'Retry budget exhausted',
      'Retries refused per second because the dependency\'s retry budget was spent. Good: 0; sustained, retries are being shed while the dependency struggles (no retry storm, but less rescue).',
      'ops',
      [g.target(queries.budgetExhausted, '{{dependency}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Rate-limit gate closed for',
      'Seconds until the dependency accepts calls again after it answered 429 or 503 with Retry-After (longest over replicas). Good: 0.',
      's',
      [g.target(queries.gateClosedFor, '{{dependency}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Rate-limit gate rejections',
      'Calls answered at once because the rate-limit gate stays closed past their deadline. Good: 0.',
      'ops',
      [g.target(queries.gateRejected, '{{dependency}}')],
      w=8,
      min=0,
    ),

    g.row('Timeouts and latency'),
    g.timeseries(
      'Adaptive timeout, ceiling and observed P95',
      'Per operation and model: the attempt timeout (P95 × multiplier, within its floor and ceiling), its ceiling, and the live P95 it follows (0 until enough samples). Good: the timeout well above the P95 and below the ceiling; a timeout sitting on its ceiling means slow calls are being cut.',
      's',
      [
        g.target(queries.timeouts.adaptive_timeout_seconds, 'timeout {{dependency}}/{{operation}} {{model}}'),
        g.target(queries.timeouts.adaptive_timeout_ceiling_seconds, 'ceiling {{dependency}}/{{operation}} {{model}}'),
        g.target(queries.timeouts.dependency_latency_p95_seconds, 'p95 {{dependency}}/{{operation}} {{model}}'),
      ],
      min=0,
    ),
    g.timeseries(
      'Call and attempt duration p95',
      'p95 duration of logical calls (retries and waits included) and of single attempts (streams: until the first chunk), per operation. Good: calls close to attempts (few retries) and stable; dots are exemplars linking to traces.',
      's',
      [
        g.target(queries.callP95, 'call {{dependency}}/{{operation}}', exemplar=true),
        g.target(queries.attemptP95, 'attempt {{dependency}}/{{operation}}', exemplar=true),
      ],
      min=0,
    ),

    g.row('Bulkhead'),
    g.timeseries(
      'Bulkhead slots',
      'Calls holding a slot, calls queued for one, and the slots there are, summed over replicas. Good: active well below capacity and nothing queued.',
      'short',
      [g.target(queries.bulkhead(gauge), gauge + ' {{dependency}}') for gauge in ['active', 'queued', 'capacity']],
      min=0,
    ),
    g.timeseries(
      'Bulkhead rejections',
      'Calls refused by a full bulkhead: queue_full (no room to wait) or queue_timeout (waited too long). Good: 0; any means the dependency is too slow or the bulkhead too small for the load.',
      'ops',
      [g.target(queries.bulkheadRejected, '{{dependency}} {{reason}}')],
      min=0,
    ),

    g.row('Outgoing quota and shared state'),
    g.timeseries(
      'Quota waits',
      'Calls per second that waited for the fleet-wide outgoing quota (requests, tokens, concurrent) before going out. Good: near 0; a steady rate means the provider quota is the bottleneck. Only dependencies with a quota configured show here.',
      'ops',
      [g.target(queries.quotaWaits, '{{dependency}} {{quota}}')],
      min=0,
    ),
    g.timeseries(
      'Quota rejections',
      'Calls refused without reaching the provider because the quota would outlast their deadline. Good: 0.',
      'ops',
      [g.target(queries.quotaRejected, '{{dependency}} {{quota}}')],
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
  ],
)
