// Alertmanager 0.25 configuration. Critical alerts page (PagerDuty), warnings open tickets
// (a Slack channel). Secrets come from files: Alertmanager does not expand environment variables,
// and nothing secret lives in the repo.
//
// variant 'production' → alerts/generated/alertmanager.yml (compose mounts the secrets at
//   /run/secrets); variant 'test' → the same routing tree with short timers and webhook receivers
//   at `webhookUrl` (`/pager`, `/ticket`), used by the end-to-end test and `npm run stack:local`.
function(variant='production', secretsDir='/run/secrets', webhookUrl='http://127.0.0.1:9095')
  local config = import '../dashboards/config.libsonnet';
  assert variant == 'production' || variant == 'test' : 'variant must be production or test';

  local production = {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'ticket',
      // One notification per alert and dependency (and LLM provider, or public model): a breaker
      // opening on every replica is one page; two models unavailable are two pages, each naming
      // its model in the summary. Alerts without these labels group as before.
      group_by: ['alertname', config.fleetLabels, 'dependency', 'provider', 'model'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'pager', matchers: ['severity="critical"'], repeat_interval: '1h' },
        { receiver: 'ticket', matchers: ['severity="warning"'] },
      ],
    },
    // Only warnings are ever inhibited: no rule can hold back a page.
    inhibit_rules: [
      // While a dependency's critical alert fires (Postgres's or Redis's breaker is open), its
      // warnings (flapping, retry budget, bulkhead, timeout) are symptoms of the same outage:
      // silence them. Only sources that carry a dependency label inhibit, so a fleet-wide page
      // silences nothing. The LLM has no critical alert with a dependency label any more.
      {
        source_matchers: ['severity="critical"', 'dependency=~".+"'],
        target_matchers: ['severity="warning"'],
        equal: [config.fleetLabels, 'dependency'],
      },
      // With no models file one provider serves every model, and LeveeModelUnavailable
      // {model="_any"} is its outage: the LLM's warnings (that provider's breaker, flapping,
      // retry budget, bulkhead, timeout) are its symptoms, held back as the LLM breaker page
      // held them back before routing. A named model's page inhibits nothing: no label says
      // which providers serve that model, and a provider serving other models still needs its
      // ticket.
      {
        source_matchers: ['alertname="LeveeModelUnavailable"', 'model="_any"'],
        target_matchers: ['severity="warning"', 'dependency="llm"'],
        equal: [config.fleetLabels],
      },
    ],
    receivers: [
      {
        name: 'pager',
        pagerduty_configs: [{
          routing_key_file: secretsDir + '/pagerduty_routing_key',
          send_resolved: true,
          description: '{{ .CommonLabels.alertname }}{{ with .CommonLabels.dependency }} ({{ . }}){{ end }}: {{ .CommonAnnotations.summary }}',
          links: [{ href: '{{ .CommonAnnotations.runbook_url }}', text: 'Runbook' }],
        }],
      },
      {
        name: 'ticket',
        slack_configs: [{
          api_url_file: secretsDir + '/slack_webhook_url',
          channel: '#levee-tickets',
          send_resolved: true,
          title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.dependency }} ({{ . }}){{ end }}',
          text: '{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}',
          title_link: '{{ .CommonAnnotations.runbook_url }}',
        }],
      },
    ],
  };

  local test = production {
    route+: { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [
      { name: 'pager', webhook_configs: [{ url: webhookUrl + '/pager', send_resolved: true }] },
      { name: 'ticket', webhook_configs: [{ url: webhookUrl + '/ticket', send_resolved: true }] },
    ],
  };

  (if variant == 'test' then test else production)
