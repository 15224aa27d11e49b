// Levee's Prometheus rules, rendered to alerts/generated/levee-rules.yaml by `npm run dashboards`.
// Thresholds and selectors come from dashboards/config.libsonnet. `overrides` (jsonnet code
// passed with --tla-code) patches that config: the end-to-end paging test shortens the `for`
// durations with it; the committed file is rendered without.
function(overrides={})
  local config = std.mergePatch(import '../dashboards/config.libsonnet', overrides);
  local groups =
    (import 'lib/slo.libsonnet')(config)
    + (import 'lib/resilience.libsonnet')(config)
    + (import 'lib/routing.libsonnet')(config)
    + (import 'lib/jobs.libsonnet')(config)
    + (import 'lib/events.libsonnet')(config)
    + (import 'lib/platform.libsonnet')(config);

  // Every alert links to its runbook section; added here so no rule can forget it.
  local withRunbook(rule) =
    if std.objectHas(rule, 'alert')
    then rule { annotations+: { runbook_url: '%s#%s' % [config.runbookBaseUrl, std.asciiLower(rule.alert)] } }
    else rule;

  { groups: [group { rules: [withRunbook(rule) for rule in group.rules] } for group in groups] }
