// PromQL builders. Every series is selected through the dashboard's job and instance variables,
// and every rate uses Grafana's $__rate_interval (at least four scrapes, so a rate never spans
// fewer than two samples, whatever the zoom).
local config = import '../config.libsonnet';

local by(labels) = if labels == [] then '' else ' by (%s) ' % std.join(', ', labels);

{
  // Extra matchers the dashboards share.
  dependency:: 'dependency=~"$dependency"',
  // The LLM provider (provider id from the models file, `default` without one). Postgres and Redis
  // series have no provider label: "All" (`.*`) matches them too, a chosen provider hides them.
  provider:: 'provider=~"$provider"',
  sloRoutes:: config.sloRouteSelector,
  serverErrors:: 'http_response_status_code=~"5.."',

  selector(matchers=[]):: std.join(', ', ['job=~"$job"', 'instance=~"$instance"'] + matchers),
  series(metric, matchers=[]):: '%s{%s}' % [metric, self.selector(matchers)],
  rate(metric, matchers=[]):: 'rate(%s[$__rate_interval])' % self.series(metric, matchers),
  increase(metric, matchers=[]):: 'increase(%s[$__rate_interval])' % self.series(metric, matchers),

  sumRate(metric, labels=[], matchers=[]):: 'sum%s(%s)' % [by(labels), self.rate(metric, matchers)],
  sumIncrease(metric, labels=[], matchers=[]):: 'sum%s(%s)' % [by(labels), self.increase(metric, matchers)],
  // `how` aggregates a gauge over replicas: sum for fleet totals, max for per-replica settings.
  aggregate(how, metric, labels=[], matchers=[]):: '%s%s(%s)' % [how, by(labels), self.series(metric, matchers)],

  // `histogram` without its _bucket suffix; `q` a fraction (0.95).
  quantile(q, histogram, labels=[], matchers=[])::
    'histogram_quantile(%g, %s)' % [q, self.sumRate(histogram + '_bucket', ['le'] + labels, matchers)],

  // 5xx share of the client API's requests. With traffic and no 5xx yet there is no 5xx series
  // at all, so the numerator falls back to 0 × traffic: 0 while requests flow, still no data
  // (not a fake 0) when nothing is served.
  local requests = 'http_server_request_duration_seconds_count',
  errors:: '(%s or 0 * %s)' % [
    self.sumRate(requests, [], [self.sloRoutes, self.serverErrors]),
    self.sumRate(requests, [], [self.sloRoutes]),
  ],
  errorRatio:: '%s / %s' % [self.errors, self.sumRate(requests, [], [self.sloRoutes])],

  // How fast the error budget burns over `window` (1 = exactly on budget). The window is a
  // subquery over $__rate_interval rates, so the ratio of sums holds at any zoom without a
  // fixed-range rate (recording rules would be the production answer for long windows).
  burnRate(window)::
    '(sum_over_time(%s[%s:]) / sum_over_time(%s[%s:])) / (1 - %g)' % [
      self.errors,
      window,
      self.sumRate(requests, [], [self.sloRoutes]),
      window,
      config.availabilityTarget,
    ],

  // The one-hot breaker state gauge folded into one number per replica and breaker (a dependency,
  // and for the LLM one per provider), so a state timeline can show it: the codes are those of
  // `breakerStates` below.
  breakerStates:: [
    { value: 0, text: 'closed', color: 'green' },
    { value: 1, text: 'half_open', color: 'yellow' },
    { value: 2, text: 'open', color: 'red' },
    { value: 3, text: 'isolated', color: 'purple' },
  ],
  breakerStateCode::
    'sum by (dependency, provider, instance) (%s)' % std.join(' or ', [
      '%s * %d' % [self.series('levee_circuit_breaker_state', [self.dependency, self.provider, 'state="%s"' % state.text]), state.value]
      for state in self.breakerStates
    ]),
}
