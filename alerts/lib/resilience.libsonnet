// Alerts on the policies guarding each dependency (llm, postgres, redis). Each keeps the
// `dependency` label, so Alertmanager groups by it and a dependency's critical page silences its
// own warnings (alertmanager-routing.libsonnet's inhibit rules). The LLM's policies run once per
// provider (label `provider`: the provider id from the models file, `default` without one;
// Postgres and Redis series have none), so the LLM's alerts also keep `provider`: one per provider.
function(config)
  local selector = config.leveeSelector;
  local fleet = config.fleetLabels;
  // How annotations name a breaker or policy: `llm/openai` (the name /health/circuit-breakers and
  // the admin API use), or `postgres` for a dependency without providers.
  local policy = '{{ $labels.dependency }}{{ with $labels.provider }}/{{ . }}{{ end }}';
  // Not closed = open or half_open: during an outage the breaker goes open -> half_open (one
  // probe) -> open every half-open period, so a rule on state="open" alone would restart its
  // `for` at each probe. max_over_time also bridges a close shorter than the smoothing window.
  // One alert per breaker: the value is how many replicas see it (each replica counted once,
  // whichever of its two state series is 1). `isolated` is left out: an operator chose it
  // (POST /admin/circuit-breakers/:name/isolate).
  local breakerNotClosed(matcher, labels) =
    local by = std.join(', ', config.fleetLabelList + labels);
    |||
      count by (%(by)s) (
        max by (%(by)s, instance) (
          max_over_time(levee_circuit_breaker_state{%(selector)s, %(matcher)s, state=~"open|half_open"}[%(smoothing)s])
        ) == 1
      )
    ||| % { by: by, selector: selector, matcher: matcher, smoothing: config.breaker.smoothing };
  [
    {
      name: 'levee-resilience.alerts',
      rules: [
        {
          // Postgres and Redis: one breaker each, and while it is open every request that needs
          // the dependency fails, so it pages. The LLM's breakers are LeveeProviderCircuitBreakerOpen.
          alert: 'LeveeCircuitBreakerOpen',
          expr: breakerNotClosed('dependency!="llm"', ['dependency']),
          'for': config.breaker.pageAfter,
          labels: { severity: 'critical' },
          annotations: {
            summary: 'The {{ $labels.dependency }} circuit breaker is open: Levee answers its calls with 503 at once.',
            description: 'The {{ $labels.dependency }} breaker of {{ $labels.job }} has not been closed for more than %s on {{ $value }} replica(s). Requests that need {{ $labels.dependency }} fail fast (503 dependency_unavailable) until a half-open probe succeeds.' % config.breaker.pageAfter,
          },
        },
        {
          // One LLM provider's breaker: routing moves its calls to the models' other deployments
          // and fallbacks, so it warns; whether clients fail is LeveeModelUnavailable's page
          // (routing.libsonnet). A name of its own rather than a warning LeveeCircuitBreakerOpen
          // for dependency="llm": one alert name keeps one severity, one meaning and one runbook
          // section, so routes, silences and inhibitions written for LeveeCircuitBreakerOpen ("a
          // dependency is down, its requests fail") keep meaning that, and a silence set on the
          // LLM's old breaker page does not swallow a warning that now means something else.
          alert: 'LeveeProviderCircuitBreakerOpen',
          expr: breakerNotClosed('dependency="llm"', ['dependency', 'provider']),
          'for': config.breaker.pageAfter,
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The circuit breaker of LLM provider {{ $labels.provider }} is open: its deployments get no calls.',
            description: 'The llm/{{ $labels.provider }} breaker of {{ $labels.job }} has not been closed for more than %s on {{ $value }} replica(s). Routing skips its deployments: each model goes to its other deployments, then to its fallbacks; a model left with none pages as LeveeModelUnavailable.' % config.breaker.pageAfter,
          },
        },
        {
          // Counting only closed -> open: a long outage's open/half_open cycling is not flapping;
          // recovering and breaking again is.
          alert: 'LeveeCircuitBreakerFlapping',
          expr: |||
            max by (%(fleet)s, dependency, provider) (
              increase(levee_circuit_breaker_transitions_total{%(selector)s, from="closed", to="open"}[15m])
            ) >= %(opens)d
          ||| % { fleet: fleet, selector: selector, opens: config.breaker.flappingOpens },
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The %s circuit breaker keeps re-opening.' % policy,
            description: 'The %s breaker of {{ $labels.job }} opened from closed {{ $value | humanize }} times in 15 m: the dependency recovers and fails again.' % policy,
          },
        },
        {
          alert: 'LeveeRetryBudgetExhausted',
          expr: |||
            sum by (%(fleet)s, dependency, provider) (rate(levee_retry_budget_exhausted_total{%(selector)s}[5m])) > 0
          ||| % { fleet: fleet, selector: selector },
          'for': config.retryBudget['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Retries to %s are being refused: its retry budget is spent.' % policy,
            description: '{{ $labels.job }} refuses {{ printf "%%.2f" $value }} retries/s to %s: so many calls fail that retrying them would add more than the budget allows, so the failures reach clients.' % policy,
          },
        },
        {
          alert: 'LeveeBulkheadSaturated',
          expr: |||
            max by (%(fleet)s, dependency, provider) (
              levee_bulkhead_active_calls{%(selector)s} / levee_bulkhead_capacity_calls{%(selector)s}
            ) >= %(ratio)g
          ||| % { fleet: fleet, selector: selector, ratio: config.bulkhead.saturatedRatio },
          'for': config.bulkhead['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The %s bulkhead is nearly full.' % policy,
            description: '{{ $value | humanizePercentage }} of the %s bulkhead slots are in use on the busiest replica of {{ $labels.job }}; once full, calls queue and then get 503 dependency_saturated.' % policy,
          },
        },
        {
          // Only while live samples drive it (P95 > 0): before enough samples the timeout is a
          // static default. The ceiling gauge exists only for operations whose timeout adapts.
          alert: 'LeveeAdaptiveTimeoutAtCeiling',
          expr: |||
            max by (%(fleet)s, dependency, provider, operation) (
              (levee_adaptive_timeout_seconds{%(selector)s} >= levee_adaptive_timeout_ceiling_seconds{%(selector)s})
              and levee_dependency_latency_p95_seconds{%(selector)s} > 0
            )
          ||| % { fleet: fleet, selector: selector },
          'for': config.adaptiveTimeout['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The %s {{ $labels.operation }} timeout is pinned at its ceiling.' % policy,
            description: 'The adaptive timeout of %s {{ $labels.operation }} on {{ $labels.job }} has sat at its ceiling ({{ $value | humanizeDuration }}): the dependency is so slow that its P95 × multiplier is past the ceiling, and slower calls are cut and retried.' % policy,
          },
        },
      ],
    },
  ]
