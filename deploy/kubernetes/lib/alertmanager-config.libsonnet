// Levee's alert routing as a Prometheus Operator AlertmanagerConfig: the same routing tree,
// inhibit rules and receivers as alerts/generated/alertmanager.yml (both rendered from
// alerts/lib/alertmanager-routing.libsonnet).
//
// The operator merges this object into the Alertmanager it runs: it adds a `namespace="<this
// namespace>"` matcher to the top route and to both sides of every inhibit rule, and prefixes
// receiver names with `<namespace>/<name>/`. So only alerts labelled with this namespace arrive:
// Levee's rules keep `namespace` when they aggregate (fleetLabelList in
// dashboards/config.libsonnet); a rule that dropped it would never page. One gap: LeveeAbsent's
// absent() branch (no target left at all) has only `job`, so it does not arrive here (unless the
// Prometheus resource sets enforcedNamespaceLabel); its `up == 0` branch (targets there, all
// down) does.
local labels = import 'labels.libsonnet';
local routing = import '../../../alerts/lib/alertmanager-routing.libsonnet';

function(config)
  // The receivers' secrets, as keys of one Secret in this namespace (config.monitoring.
  // alertmanagerSecret, created by you: nothing secret is rendered). The operator reads them and
  // writes them into the Alertmanager config it generates.
  local secretKeys = { pagerdutyRoutingKey: 'pagerduty-routing-key', slackWebhookUrl: 'slack-webhook-url' };
  local secretKey(reference) = { name: config.monitoring.alertmanagerSecret, key: secretKeys[reference.secret] };

  local pagerduty(c) = {
    routingKey: secretKey(c.routingKey),
    sendResolved: c.sendResolved,
    description: c.description,
    pagerDutyLinkConfigs: [{ href: link.href, alt: link.text } for link in c.links],
  };
  local slack(c) = {
    apiURL: secretKey(c.apiURL),
    channel: c.channel,
    sendResolved: c.sendResolved,
    title: c.title,
    titleLink: c.titleLink,
    text: c.text,
  };
  local receiver(r) = {
    name: r.name,
    [if std.objectHas(r, 'pagerduty') then 'pagerdutyConfigs']: [pagerduty(r.pagerduty)],
    [if std.objectHas(r, 'slack') then 'slackConfigs']: [slack(r.slack)],
  };

  {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'AlertmanagerConfig',
    metadata: {
      name: 'levee',
      namespace: config.namespace,
      labels: labels.all('metrics', config.version) + config.monitoring.labels,
    },
    spec: {
      // Already in the AlertmanagerConfig's shape (camelCase, structured matchers).
      route: routing.route,
      inhibitRules: routing.inhibitRules,
      receivers: std.map(receiver, routing.receivers),
    },
  }
