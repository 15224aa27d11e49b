// Alerts on the policies guarding each dependency (llm, postgres, redis). Each keeps the
// `dependency` label, so Alertmanager groups by it and a dependency's critical page silences
// its own warnings (alertmanager.jsonnet's inhibit rule).
function(config)
  local selector = config.leveeSelector;
  local fleet = config.fleetLabels;
  [
    {
      name: 'levee-resilience.alerts',
      rules: [
        {
          // Not closed = open or half_open: during an outage the breaker goes open -> half_open
          // (one probe) -> open every half-open period, so a rule on state="open" alone would
          // restart its `for` at each probe. max_over_time also bridges a close shorter than the
          // smoothing window. One alert per dependency: the value is how many replicas see it (each
          // replica counted once, whichever of its two state series is 1).
          // `isolated` is left out: an operator chose it (POST /admin/circuit-breakers/:name/isolate).
          alert: 'LeveeCircuitBreakerOpen',
          expr: |||
            count by (%(fleet)s, dependency) (
              max by (%(fleet)s, instance, dependency) (
                max_over_time(levee_circuit_breaker_state{%(selector)s, state=~"open|half_open"}[%(smoothing)s])
              ) == 1
            )
          ||| % { fleet: fleet, selector: selector, smoothing: config.breaker.smoothing },
          'for': config.breaker.pageAfter,
          labels: { severity: 'critical' },
          annotations: {
            summary: 'The {{ $labels.dependency }} circuit breaker is open: Levee answers its calls with 503 at once.',
            description: 'The {{ $labels.dependency }} breaker of {{ $labels.job }} has not been closed for more than %s on {{ $value }} replica(s). Requests that need {{ $labels.dependency }} fail fast (503 dependency_unavailable) until a half-open probe succeeds.' % config.breaker.pageAfter,
          },
        },
        {
          // Counting only closed -> open: a long outage's open/half_open cycling is not flapping;
          // recovering and breaking again is.
          alert: 'LeveeCircuitBreakerFlapping',
          expr: |||
            max by (%(fleet)s, dependency) (
              increase(levee_circuit_breaker_transitions_total{%(selector)s, from="closed", to="open"}[15m])
            ) >= %(opens)d
          ||| % { fleet: fleet, selector: selector, opens: config.breaker.flappingOpens },
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The {{ $labels.dependency }} circuit breaker keeps re-opening.',
            description: 'The {{ $labels.dependency }} breaker of {{ $labels.job }} opened from closed {{ $value | humanize }} times in 15 m: the dependency recovers and fails again.',
          },
        },
        {
          alert: 'LeveeRetryBudgetExhausted',
          expr: |||
            sum by (%(fleet)s, dependency) (rate(levee_retry_budget_exhausted_total{%(selector)s}[5m])) > 0
          ||| % { fleet: fleet, selector: selector },
          'for': config.retryBudget['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Retries to {{ $labels.dependency }} are being refused: its retry budget is spent.',
            description: '{{ $labels.job }} refuses {{ printf "%.2f" $value }} retries/s to {{ $labels.dependency }}: so many calls fail that retrying them would add more than the budget allows, so the failures reach clients.',
          },
        },
        {
          alert: 'LeveeBulkheadSaturated',
          expr: |||
            max by (%(fleet)s, dependency) (
              levee_bulkhead_active_calls{%(selector)s} / levee_bulkhead_capacity_calls{%(selector)s}
            ) >= %(ratio)g
          ||| % { fleet: fleet, selector: selector, ratio: config.bulkhead.saturatedRatio },
          'for': config.bulkhead['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The {{ $labels.dependency }} bulkhead is nearly full.',
            description: '{{ $value | humanizePercentage }} of the {{ $labels.dependency }} bulkhead slots are in use on the busiest replica of {{ $labels.job }}; once full, calls queue and then get 503 dependency_saturated.',
          },
        },
        {
          // Only while live samples drive it (P95 > 0): before enough samples the timeout is a
          // static default. The ceiling gauge exists only for operations whose timeout adapts.
          alert: 'LeveeAdaptiveTimeoutAtCeiling',
          expr: |||
            max by (%(fleet)s, dependency, operation) (
              (levee_adaptive_timeout_seconds{%(selector)s} >= levee_adaptive_timeout_ceiling_seconds{%(selector)s})
              and levee_dependency_latency_p95_seconds{%(selector)s} > 0
            )
          ||| % { fleet: fleet, selector: selector },
          'for': config.adaptiveTimeout['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The {{ $labels.dependency }} {{ $labels.operation }} timeout is pinned at its ceiling.',
            description: 'The adaptive timeout of {{ $labels.dependency }} {{ $labels.operation }} on {{ $labels.job }} has sat at its ceiling ({{ $value | humanizeDuration }}): the dependency is so slow that its P95 × multiplier is past the ceiling, and slower calls are cut and retried.',
          },
        },
      ],
    },
  ]
