// Alerts on Levee itself: its targets, inbound latency, shared state and caches.
function(config)
  local selector = config.leveeSelector;
  local fleet = config.fleetLabels;
  local cacheRate(result, window) =
    'sum by (%s, cache) (rate(levee_cache_requests_total{%s, result=~"%s"}[%s]))' % [fleet, selector, result, window];
  // Lookups: every result but `bypass` (never looked up).
  local lookups = 'hit|miss|stale|error';
  [
    {
      name: 'levee-cache.rules',
      rules: [
        { record: 'levee:cache_requests:rate15m', expr: cacheRate(lookups, '15m') },
        { record: 'levee:cache_hit_ratio:rate15m', expr: '%s\n/\n%s\n' % [cacheRate('hit', '15m'), cacheRate(lookups, '15m')] },
        { record: 'levee:cache_hit_ratio:rate6h', expr: '%s\n/\n%s\n' % [cacheRate('hit', '6h'), cacheRate(lookups, '6h')] },
      ],
    },
    {
      name: 'levee-platform.alerts',
      rules: [
        {
          alert: 'LeveeTargetDown',
          expr: 'up{%s} == 0' % selector,
          'for': config.target['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'A Levee replica is not being scraped.',
            description: 'Prometheus cannot scrape {{ $labels.instance }} ({{ $labels.job }}) for %s: the replica is down, restarting, or its /metrics is unreachable.' % config.target['for'],
          },
        },
        {
          // Targets all down, or none left at all (service discovery lost them); absent() of a
          // plain selector keeps its equality labels, so the alert still names the job. Not the
          // namespace, though: on Kubernetes that branch never reaches the AlertmanagerConfig.
          alert: 'LeveeAbsent',
          expr: '(sum by (%s) (up{%s}) == 0) or absent(up{%s})' % [fleet, selector, selector],
          'for': config.target['for'],
          labels: { severity: 'critical' },
          annotations: {
            summary: 'No Levee replica is up.',
            description: 'No target of job {{ $labels.job }} has been scraped successfully for %s: Levee is down everywhere, or Prometheus lost its targets.' % config.target['for'],
          },
        },
        {
          alert: 'LeveeLatencyHigh',
          expr: |||
            histogram_quantile(0.99,
              sum by (%(fleet)s, http_route, le) (rate(http_server_request_duration_seconds_bucket{%(selector)s, http_route=~"%(routes)s"}[5m]))
            ) > %(bar)g
          ||| % { fleet: fleet, selector: selector, routes: config.latency.routes, bar: config.latency.p99Seconds },
          'for': config.latency['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: '{{ $labels.http_route }} is slow: p99 above %gs.' % config.latency.p99Seconds,
            description: 'The p99 latency of {{ $labels.http_route }} on {{ $labels.job }} is {{ $value | humanizeDuration }} (bar: %gs).' % config.latency.p99Seconds,
          },
        },
        {
          // Redis is optional: Levee keeps serving on local state, so this warns rather than
          // pages. The static dependency label lets a Redis breaker page inhibit it.
          alert: 'LeveeSharedStateDegraded',
          expr: 'max by (%s, feature) (levee_shared_state_degraded{%s}) == 1' % [fleet, selector],
          'for': config.sharedState['for'],
          labels: { severity: 'warning', dependency: 'redis' },
          annotations: {
            summary: 'Levee runs {{ $labels.feature }} on local state: Redis is unreachable.',
            description: 'At least one replica of {{ $labels.job }} has run {{ $labels.feature }} without Redis for %s: limits and quotas are divided per replica, breakers and caches are per replica.' % config.sharedState['for'],
          },
        },
        {
          alert: 'LeveeCacheHitRatioCollapsed',
          expr: |||
            levee:cache_hit_ratio:rate15m < %(factor)g * (levee:cache_hit_ratio:rate6h offset 15m)
            and (levee:cache_hit_ratio:rate6h offset 15m) >= %(baseline)g
            and levee:cache_requests:rate15m >= %(traffic)g
          ||| % { factor: config.cache.collapseFactor, baseline: config.cache.minBaselineRatio, traffic: config.cache.minRequestsPerSecond },
          'for': config.cache['for'],
          labels: { severity: 'warning' },
          annotations: {
            summary: 'The {{ $labels.cache }} cache hit ratio collapsed.',
            description: 'The {{ $labels.cache }} cache of {{ $labels.job }} now hits {{ $value | humanizePercentage }} of lookups, less than %g × its ratio over the 6 h before: more calls reach the dependency.' % config.cache.collapseFactor,
          },
        },
      ],
    },
  ]
