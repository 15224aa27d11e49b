// Alertmanager 0.25 configuration, rendered from the routing shared with the Kubernetes
// AlertmanagerConfig (lib/alertmanager-routing.libsonnet). Secrets come from files: Alertmanager
// does not expand environment variables, and nothing secret lives in the repo.
//
// variant 'production' → alerts/generated/alertmanager.yml (compose mounts the secrets at
//   /run/secrets); variant 'test' → the same routing tree with short timers and webhook receivers
//   at `webhookUrl` (`/pager`, `/ticket`), used by the end-to-end test and `npm run stack:local`.
function(variant='production', secretsDir='/run/secrets', webhookUrl='http://127.0.0.1:9095')
  local routing = import 'lib/alertmanager-routing.libsonnet';
  assert variant == 'production' || variant == 'test' : 'variant must be production or test';

  // Each secret the receivers name, as a file under secretsDir.
  local secretFiles = { pagerdutyRoutingKey: 'pagerduty_routing_key', slackWebhookUrl: 'slack_webhook_url' };
  local secretFile(reference) = secretsDir + '/' + secretFiles[reference.secret];

  // `severity="critical"`: the value JSON-quoted, which escapes as Alertmanager's matcher syntax does.
  local matchers(list) = [m.name + m.matchType + std.escapeStringJson(m.value) for m in list];
  local route(r) = {
    receiver: r.receiver,
    [if std.objectHas(r, 'groupBy') then 'group_by']: r.groupBy,
    [if std.objectHas(r, 'groupWait') then 'group_wait']: r.groupWait,
    [if std.objectHas(r, 'groupInterval') then 'group_interval']: r.groupInterval,
    [if std.objectHas(r, 'repeatInterval') then 'repeat_interval']: r.repeatInterval,
    [if std.objectHas(r, 'matchers') then 'matchers']: matchers(r.matchers),
    [if std.objectHas(r, 'routes') then 'routes']: std.map(route, r.routes),
  };
  local pagerduty(c) = {
    routing_key_file: secretFile(c.routingKey),
    send_resolved: c.sendResolved,
    description: c.description,
    links: c.links,
  };
  local slack(c) = {
    api_url_file: secretFile(c.apiURL),
    channel: c.channel,
    send_resolved: c.sendResolved,
    title: c.title,
    title_link: c.titleLink,
    text: c.text,
  };
  local receiver(r) = {
    name: r.name,
    [if std.objectHas(r, 'pagerduty') then 'pagerduty_configs']: [pagerduty(r.pagerduty)],
    [if std.objectHas(r, 'slack') then 'slack_configs']: [slack(r.slack)],
  };

  local production = {
    global: { resolve_timeout: '5m' },
    route: route(routing.route),
    inhibit_rules: [
      { source_matchers: matchers(rule.sourceMatch), target_matchers: matchers(rule.targetMatch), equal: rule.equal }
      for rule in routing.inhibitRules
    ],
    receivers: std.map(receiver, routing.receivers),
  };

  local test = production {
    route+: { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [
      { name: 'pager', webhook_configs: [{ url: webhookUrl + '/pager', send_resolved: true }] },
      { name: 'ticket', webhook_configs: [{ url: webhookUrl + '/ticket', send_resolved: true }] },
    ],
  };

  (if variant == 'test' then test else production)
