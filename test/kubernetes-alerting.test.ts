/**
 * The Prometheus Operator AlertmanagerConfig (deploy/kubernetes/lib/alertmanager-config.libsonnet):
 * a valid object whose routing is the committed alerts/generated/alertmanager.yml's (both rendered
 * from alerts/lib/alertmanager-routing.libsonnet), its receivers' secrets taken from a Secret, and
 * rules whose alerts keep the `namespace` label the operator routes on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { AlertmanagerConfig, type IAlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import { operatorShape, parseMatcher } from './support/alertmanager-operator-shape.ts';
import { REPO_ROOT } from './support/levee-process.ts';

const run = promisify(execFile);
const SECRET = 'levee-alertmanager';
/** The slice of deploy/kubernetes's config (lib/defaults.libsonnet + values) the function reads. */
const config = {
  namespace: 'levee',
  version: '1.2.3',
  monitoring: { labels: { release: 'kube-prometheus-stack' }, alertmanagerSecret: SECRET },
};
const committed = parse(readFileSync(join(REPO_ROOT, 'alerts/generated/alertmanager.yml'), 'utf8')) as {
  route: { routes: unknown[] };
  inhibit_rules: unknown[];
  receivers: unknown[];
};
const rules = (parse(readFileSync(join(REPO_ROOT, 'alerts/generated/levee-rules.yaml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}).groups.flatMap((group) => group.rules);

describe('kubernetes AlertmanagerConfig', () => {
  let object: IAlertmanagerConfig;
  before(async () => {
    const source = join(REPO_ROOT, 'deploy/kubernetes/lib/alertmanager-config.libsonnet');
    const { stdout } = await run('jsonnet', ['--tla-code', `config=${JSON.stringify(config)}`, source]);
    object = JSON.parse(stdout) as IAlertmanagerConfig;
  });

  it('validates against the operator schema, in its namespace, with the monitoring labels', () => {
    assert.doesNotThrow(() => new AlertmanagerConfig(object).validate());
    assert.equal(object.metadata?.name, 'levee');
    assert.equal(object.metadata?.namespace, 'levee');
    assert.equal(object.metadata?.labels?.['release'], 'kube-prometheus-stack');
    assert.equal(object.metadata?.labels?.['app.kubernetes.io/version'], '1.2.3');
  });

  it("reads Alertmanager's matcher strings, the committed ones included, and refuses others", () => {
    assert.deepEqual(parseMatcher('dependency=~".+"'), { name: 'dependency', matchType: '=~', value: '.+' });
    assert.deepEqual(parseMatcher('model!="a\\"b"'), { name: 'model', matchType: '!=', value: 'a"b' });
    assert.throws(() => parseMatcher('severity=critical'), /not a matcher/);
    const [pagerRoute] = (operatorShape(committed.route, SECRET) as { routes: Array<{ matchers: unknown }> }).routes;
    assert.deepEqual(pagerRoute?.matchers, [{ name: 'severity', matchType: '=', value: 'critical' }]);
  });

  it('routes as alerts/generated/alertmanager.yml does: same tree, inhibit rules and receivers', () => {
    assert.deepEqual(object.spec.route, operatorShape(committed.route, SECRET));
    assert.deepEqual(object.spec.inhibitRules, operatorShape(committed.inhibit_rules, SECRET));
    assert.deepEqual(object.spec.receivers, operatorShape(committed.receivers, SECRET));
    assert.deepEqual(object.spec.receivers?.map((receiver) => receiver.name), ['pager', 'ticket']);
  });

  it("takes the receivers' secrets from the Secret's keys, never inline", () => {
    const [pager, ticket] = object.spec.receivers ?? [];
    assert.deepEqual(pager?.pagerdutyConfigs?.[0]?.routingKey, { name: SECRET, key: 'pagerduty-routing-key' });
    assert.deepEqual(ticket?.slackConfigs?.[0]?.apiURL, { name: SECRET, key: 'slack-webhook-url' });
    assert.doesNotMatch(JSON.stringify(object), /serviceKey|\/run\/secrets|hooks\.slack\.com/);
  });

  // The operator hands this object only alerts labelled with its namespace: an aggregation that
  // drops `namespace` makes an alert that never pages on Kubernetes.
  it('every rule keeps namespace wherever it aggregates', () => {
    const clauses = rules.flatMap((rule) => [...rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].map((match) => ({ rule: rule.alert ?? rule.record, labels: match[1]!.split(',').map((label) => label.trim()) })));
    assert.ok(clauses.length >= 20, 'the rules aggregate with `by (...)`');
    for (const { rule, labels } of clauses) assert.ok(labels.includes('namespace'), `${rule}: by (${labels.join(', ')})`);
  });
});
