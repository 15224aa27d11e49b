// The availability SLO: error ratios recorded over the multiwindow pairs of the SRE workbook
// (ch. 5, "Alerting on SLOs"), and the two burn-rate alerts built on them.
function(config)
  local errorBudget = 1 - config.availabilityTarget;
  local requests = 'http_server_request_duration_seconds_count{%s, %s}' % [config.leveeSelector, config.sloRouteSelector];
  local errors = 'http_server_request_duration_seconds_count{%s, %s, http_response_status_code=~"5.."}' % [config.leveeSelector, config.sloRouteSelector];
  local windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
  local ratio(window) = 'levee:http_requests:error_ratio_rate%s' % window;
  // Both windows of a pair above `factor` × the budget: the long one proves it is significant,
  // the short one that it is still happening (so the alert resolves soon after it stops).
  local burning(factor, long, short) =
    '(%s > (%g * %g) and %s > (%g * %g))' % [ratio(long), factor, errorBudget, ratio(short), factor, errorBudget];

  [
    {
      name: 'levee-slo.rules',
      rules: [
        {
          record: ratio(window),
          expr: |||
            sum by (%(fleet)s) (rate(%(errors)s[%(window)s]))
            /
            sum by (%(fleet)s) (rate(%(requests)s[%(window)s]))
          ||| % { fleet: config.fleetLabels, errors: errors, requests: requests, window: window },
        }
        for window in windows
      ],
    },
    {
      name: 'levee-slo.alerts',
      rules: [
        {
          alert: 'LeveeErrorBudgetBurnFast',
          expr: '%s\nor\n%s\n' % [burning(14.4, '1h', '5m'), burning(6, '6h', '30m')],
          'for': '2m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Levee is spending its availability error budget fast.',
            description: '{{ $value | humanizePercentage }} of /v1 requests to {{ $labels.job }} are answered with a 5xx; at 14.4× (1 h) or 6× (6 h) the budget of a %g %% target is gone in days.' % (config.availabilityTarget * 100),
          },
        },
        {
          alert: 'LeveeErrorBudgetBurnSlow',
          expr: '%s\nor\n%s\n' % [burning(3, '1d', '2h'), burning(1, '3d', '6h')],
          'for': '1h',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Levee is spending its availability error budget faster than it earns it.',
            description: '{{ $value | humanizePercentage }} of /v1 requests to {{ $labels.job }} are answered with a 5xx, at 3× (1 d) or 1× (3 d) the rate a %g %% target allows.' % (config.availabilityTarget * 100),
          },
        },
      ],
    },
  ]
