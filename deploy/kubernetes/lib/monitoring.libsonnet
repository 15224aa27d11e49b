// What the cluster's monitoring picks up, rendered apart (generated/<env>/monitoring.yaml) because
// most of it needs the Prometheus Operator's CRDs: a ServiceMonitor scraping the API and the worker
// under the one job the dashboards and alerts select (dashboards/config.libsonnet's leveeJob), a
// PrometheusRule holding exactly alerts/generated/levee-rules.yaml, the Alertmanager routing of
// alerts/generated/alertmanager.yml as an AlertmanagerConfig, and dashboards/generated/ as
// ConfigMaps for the Grafana sidecar.
local labels = import 'labels.libsonnet';
local shared = import '../../../dashboards/config.libsonnet';

// The committed dashboards byte for byte (importstr takes literal paths only: a test fails when
// dashboards/generated/ holds one not listed here).
local dashboards = {
  'ai-usage': importstr '../../../dashboards/generated/ai-usage.json',
  caches: importstr '../../../dashboards/generated/caches.json',
  dependencies: importstr '../../../dashboards/generated/dependencies.json',
  overview: importstr '../../../dashboards/generated/overview.json',
};

function(config)
  local meta(name, component) = {
    name: name,
    namespace: config.namespace,
    labels: labels.all(component, config.version) + config.monitoring.labels,
  };
  [
    // Headless, for scraping only: selects every Levee pod (API and worker); the API's own
    // Service must not, since the worker serves no API.
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('levee-metrics', 'metrics') { labels+: { 'app.kubernetes.io/name': shared.leveeJob } },
      spec: {
        clusterIP: 'None',
        selector: { 'app.kubernetes.io/name': 'levee' },
        ports: [{ name: 'http', port: config.port, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: meta('levee', 'metrics'),
      spec: {
        selector: { matchLabels: labels.selector('metrics') },
        // The job label is the Service's app.kubernetes.io/name (set to leveeJob above), not the
        // Service's name, so the rules' job="levee" selects both API and worker.
        jobLabel: 'app.kubernetes.io/name',
        endpoints: [{ port: 'http', path: '/metrics', interval: config.monitoring.scrapeInterval }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: meta('levee', 'metrics'),
      // Called without overrides, as the committed alerts/generated/levee-rules.yaml is rendered.
      spec: (import '../../../alerts/rules.jsonnet')(),
    },
    (import 'alertmanager-config.libsonnet')(config),
  ] + [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'levee-dashboard-' + name,
        namespace: config.monitoring.dashboards.namespace,
        labels: labels.all('metrics', config.version) + config.monitoring.dashboards.labels,
        annotations: config.monitoring.dashboards.annotations,
      },
      data: { [name + '.json']: dashboards[name] },
    }
    for name in std.objectFields(dashboards)
  ]
