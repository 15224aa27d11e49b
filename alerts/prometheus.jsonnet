// Prometheus configuration: scrapes the Levee replicas (job from config.libsonnet), loads the
// rules, sends alerts to Alertmanager. The targets are arguments so each environment renders its
// own: the committed alerts/generated/prometheus.yml is the compose stack's; `npm run
// stack:local` and the tests render theirs with local ports and short intervals.
function(
  leveeTargets=['levee-1:8080', 'levee-2:8080'],
  alertmanagers=['alertmanager:9093'],
  collectorTargets=['otel-collector:8889'],
  ruleFiles=['/etc/prometheus/rules/levee-rules.yaml'],
  scrapeInterval='15s',
  evaluationInterval='15s',
)
  local config = import '../dashboards/config.libsonnet';
  ({
    global: {
      scrape_interval: scrapeInterval,
      evaluation_interval: evaluationInterval,
    },
    rule_files: ruleFiles,
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }],
    },
    scrape_configs: [
      // Prometheus asks for OpenMetrics first, so Levee's latency histograms arrive with their
      // trace-id exemplars (stored when Prometheus runs with --enable-feature=exemplar-storage).
      { job_name: config.leveeJob, metrics_path: '/metrics', static_configs: [{ targets: leveeTargets }] },
    ] + (
      // The collector's span metrics (spanmetrics connector), when a collector runs.
      if std.length(collectorTargets) > 0
      then [{ job_name: 'otel-collector', static_configs: [{ targets: collectorTargets }] }]
      else []
    ),
  })
