// Levee's alert routing, once, for its two renderings: alerts/alertmanager.jsonnet writes it as
// Alertmanager's own config (compose), deploy/kubernetes/lib/alertmanager-config.libsonnet as a
// Prometheus Operator AlertmanagerConfig. Route and inhibit rules are in the AlertmanagerConfig's
// shape (camelCase, structured matchers), which Alertmanager's matcher strings are rendered from.
// Receivers name their secrets only (`{ secret: ... }`); each rendering says where a secret lives.
local config = import '../../dashboards/config.libsonnet';

// matchType: '=', '!=', '=~' or '!~'.
local matcher(name, matchType, value) = { name: name, matchType: matchType, value: value };

{
  route: {
    receiver: 'ticket',
    // One notification per alert and dependency (and LLM provider, or public model): a breaker
    // opening on every replica is one page; two models unavailable are two pages, each naming
    // its model in the summary. Alerts without these labels group as before.
    groupBy: ['alertname'] + config.fleetLabelList + ['dependency', 'provider', 'model'],
    groupWait: '30s',
    groupInterval: '5m',
    repeatInterval: '4h',
    routes: [
      { receiver: 'pager', matchers: [matcher('severity', '=', 'critical')], repeatInterval: '1h' },
      { receiver: 'ticket', matchers: [matcher('severity', '=', 'warning')] },
    ],
  },

  // Only warnings are ever inhibited: no rule can hold back a page.
  inhibitRules: [
    // While a dependency's critical alert fires (Postgres's or Redis's breaker is open), its
    // warnings (flapping, retry budget, bulkhead, timeout) are symptoms of the same outage:
    // silence them. Only sources that carry a dependency label inhibit, so a fleet-wide page
    // silences nothing. The LLM has no critical alert with a dependency label any more.
    {
      sourceMatch: [matcher('severity', '=', 'critical'), matcher('dependency', '=~', '.+')],
      targetMatch: [matcher('severity', '=', 'warning')],
      equal: config.fleetLabelList + ['dependency'],
    },
    // With no models file one provider serves every model, and LeveeModelUnavailable
    // {model="_any"} is its outage: the LLM's warnings (that provider's breaker, flapping,
    // retry budget, bulkhead, timeout) are its symptoms, held back as the LLM breaker page
    // held them back before routing. A named model's page inhibits nothing: no label says
    // which providers serve that model, and a provider serving other models still needs its
    // ticket.
    {
      sourceMatch: [matcher('alertname', '=', 'LeveeModelUnavailable'), matcher('model', '=', '_any')],
      targetMatch: [matcher('severity', '=', 'warning'), matcher('dependency', '=', 'llm')],
      equal: config.fleetLabelList,
    },
  ],

  // Critical alerts page (PagerDuty), warnings open tickets (a Slack channel): one integration
  // each, named by its field.
  receivers: [
    {
      name: 'pager',
      pagerduty: {
        routingKey: { secret: 'pagerdutyRoutingKey' },
        sendResolved: true,
        description: '{{ .CommonLabels.alertname }}{{ with .CommonLabels.dependency }} ({{ . }}){{ end }}: {{ .CommonAnnotations.summary }}',
        links: [{ href: '{{ .CommonAnnotations.runbook_url }}', text: 'Runbook' }],
      },
    },
    {
      name: 'ticket',
      slack: {
        apiURL: { secret: 'slackWebhookUrl' },
        channel: '#levee-tickets',
        sendResolved: true,
        title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.dependency }} ({{ . }}){{ end }}',
        titleLink: '{{ .CommonAnnotations.runbook_url }}',
        text: '{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}',
      },
    },
  ],
}
