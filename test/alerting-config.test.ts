/**
 * The alerting configuration against the real tools: promtool checks and unit-tests the rules,
 * amtool checks Alertmanager's config and its routing, and the committed files match their
 * jsonnet sources. Also: every alert has a firing and a quiet promtool case and a runbook section.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { alertTargets } from '../alerts/targets.ts';
import { renderJsonnet, staleTargets } from '../dashboards/lib/jsonnet-render.ts';
import { startAlertmanager, startWebhookReceiver, type MonitoringProcess, type WebhookReceiver } from '../stack/monitoring.ts';
import { REPO_ROOT } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';

const run = promisify(execFile);
const alerts = join(REPO_ROOT, 'alerts');
const rulesFile = join(alerts, 'generated/levee-rules.yaml');
const alertmanagerFile = join(alerts, 'generated/alertmanager.yml');

interface Rule {
  alert?: string;
  record?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules);
const alertRules = rules.filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined);
const testFiles = readdirSync(join(alerts, 'tests')).filter((name) => name.endsWith('.yaml')).sort();

/** Runs a tool; resolves with its output, or fails the test with everything it printed. */
async function tool(file: string, args: string[], cwd = REPO_ROOT): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    assert.fail(`${file} ${args.join(' ')}\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`);
  }
}

describe('alert rules', () => {
  it('the committed rules and configs are what their jsonnet renders', async () => {
    assert.deepEqual(await staleTargets(alertTargets(REPO_ROOT), REPO_ROOT), [], 'run `npm run dashboards`');
  });

  it('pass promtool check rules', async () => {
    const output = await tool('promtool', ['check', 'rules', rulesFile]);
    assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('pass every promtool unit test in alerts/tests', async () => {
    assert.ok(testFiles.length >= 3);
    const output = await tool('promtool', ['test', 'rules', ...testFiles], join(alerts, 'tests'));
    assert.equal(output.match(/SUCCESS/g)?.length, testFiles.length, output);
  });

  it('every alert has a case where it fires (exact labels and annotations, runbook included) and one where it stays quiet', () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const file of testFiles) {
      const suite = parse(readFileSync(join(alerts, 'tests', file), 'utf8')) as {
        tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: Array<{ exp_annotations?: Record<string, string> }> }> }>;
      };
      for (const check of suite.tests.flatMap((test) => test.alert_rule_test ?? [])) {
        if (check.exp_alerts.length === 0) quiet.add(check.alertname);
        else if (check.exp_alerts.every((expected) => expected.exp_annotations?.runbook_url?.endsWith(`#${check.alertname.toLowerCase()}`))) fires.add(check.alertname);
      }
    }
    for (const { alert } of alertRules) {
      assert.ok(fires.has(alert), `${alert}: no promtool case where it fires with its annotations`);
      assert.ok(quiet.has(alert), `${alert}: no promtool case where it stays quiet`);
    }
  });

  it('every alert has a severity, a one-line summary, a description with $labels or $value, and a runbook section', () => {
    const runbook = readFileSync(join(alerts, 'runbook.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((match) => match[1]));
    assert.ok(alertRules.length >= 12);
    for (const rule of alertRules) {
      assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
      assert.ok(rule.annotations?.summary && !rule.annotations.summary.includes('\n'), `${rule.alert}: summary`);
      assert.match(rule.annotations?.description ?? '', /\$labels|\$value/, `${rule.alert}: description`);
      assert.ok(sections.has(rule.alert), `${rule.alert}: no "## ${rule.alert}" section in alerts/runbook.md`);
    }
    assert.deepEqual([...sections].sort(), alertRules.map((rule) => rule.alert).sort(), 'runbook sections without an alert');
  });
});

describe('Alertmanager and Prometheus configs', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'levee-alerting-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('pass amtool check-config, production and test variants', async () => {
    const output = await tool('amtool', ['check-config', alertmanagerFile, join(alerts, 'generated/alertmanager.test.yml')]);
    assert.equal(output.match(/SUCCESS/g)?.length, 2, output);
  });

  it('keep secrets in files, never in the config', () => {
    const config = readFileSync(alertmanagerFile, 'utf8');
    assert.match(config, /routing_key_file: "?\/run\/secrets\/pagerduty_routing_key"?$/m);
    assert.match(config, /api_url_file: "?\/run\/secrets\/slack_webhook_url"?$/m);
    assert.doesNotMatch(config, /routing_key:|api_url:|service_key:/);
  });

  it('route every critical alert to the pager and every warning to the ticket channel (amtool config routes test)', async () => {
    for (const rule of alertRules) {
      const receiver = rule.labels?.severity === 'critical' ? 'pager' : 'ticket';
      const labels = Object.entries({ alertname: rule.alert, dependency: 'llm', ...rule.labels }).map(([name, value]) => `${name}=${value}`);
      const output = await tool('amtool', ['config', 'routes', 'test', `--config.file=${alertmanagerFile}`, `--verify.receivers=${receiver}`, ...labels]);
      assert.equal(output.split('\n')[0], receiver, `${rule.alert} → ${output}`);
    }
  });

  it('page a model left with no deployment and a Postgres breaker, ticket one LLM provider\'s breaker (amtool config routes test)', async () => {
    const severityOf = (alertname: string) => alertRules.find((rule) => rule.alert === alertname)?.labels?.severity;
    assert.equal(severityOf('LeveeModelUnavailable'), 'critical');
    assert.equal(severityOf('LeveeCircuitBreakerOpen'), 'critical');
    assert.equal(severityOf('LeveeProviderCircuitBreakerOpen'), 'warning');
    const cases: Array<[receiver: string, labels: Record<string, string>]> = [
      ['pager', { alertname: 'LeveeModelUnavailable', severity: 'critical', job: 'levee', model: 'gpt-4o' }],
      ['pager', { alertname: 'LeveeModelUnavailable', severity: 'critical', job: 'levee', model: '_any' }],
      ['ticket', { alertname: 'LeveeProviderCircuitBreakerOpen', severity: 'warning', job: 'levee', dependency: 'llm', provider: 'openai' }],
      ['ticket', { alertname: 'LeveeCircuitBreakerFlapping', severity: 'warning', job: 'levee', dependency: 'llm', provider: 'openai' }],
      ['pager', { alertname: 'LeveeCircuitBreakerOpen', severity: 'critical', job: 'levee', dependency: 'postgres' }],
    ];
    for (const [receiver, labels] of cases) {
      const args = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
      const output = await tool('amtool', ['config', 'routes', 'test', `--config.file=${alertmanagerFile}`, `--verify.receivers=${receiver}`, ...args]);
      assert.equal(output.split('\n')[0], receiver, `${args.join(' ')} → ${output}`);
    }
  });

  it('ticket the background-job alerts with their own labels, no dependency (amtool config routes test)', async () => {
    const cases: Array<Record<string, string>> = [
      { alertname: 'LeveeJobBacklogOld', severity: 'warning', job: 'levee', queue: 'levee-batches' },
      { alertname: 'LeveeBatchLineErrorRateHigh', severity: 'warning', job: 'levee', endpoint: '/v1/chat/completions' },
    ];
    for (const labels of cases) {
      const rule = alertRules.find((candidate) => candidate.alert === labels.alertname);
      assert.equal(rule?.labels?.severity, 'warning', `${labels.alertname} is a warning`);
      const args = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
      const output = await tool('amtool', ['config', 'routes', 'test', `--config.file=${alertmanagerFile}`, '--verify.receivers=ticket', ...args]);
      assert.equal(output.split('\n')[0], 'ticket', `${args.join(' ')} → ${output}`);
    }
  });

  it('the routing test would catch a misroute', async () => {
    const misrouted = await run('amtool', ['config', 'routes', 'test', `--config.file=${alertmanagerFile}`, '--verify.receivers=pager', 'alertname=LeveeBulkheadSaturated', 'severity=warning'])
      .then(() => undefined, (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`);
    assert.match(misrouted ?? 'amtool exited 0', /Expected receivers did not match/);
  });

  it('prometheus.yml passes promtool check config, as committed (compose) and rendered for local targets', async () => {
    await tool('promtool', ['check', 'config', '--syntax-only', join(alerts, 'generated/prometheus.yml')]);
    const local = join(scratch, 'prometheus.yml');
    writeFileSync(local, await renderJsonnet({
      source: join(alerts, 'prometheus.jsonnet'),
      output: local,
      format: 'yaml',
      topLevelCode: {
        leveeTargets: '["127.0.0.1:8080", "127.0.0.1:8081"]',
        alertmanagers: '["127.0.0.1:9093"]',
        collectorTargets: '[]',
        ruleFiles: JSON.stringify([rulesFile]),
      },
    }));
    const output = await tool('promtool', ['check', 'config', local]);
    assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
    const config = parse(readFileSync(local, 'utf8')) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    assert.deepEqual(config.scrape_configs.map((job) => job.job_name), ['levee']);
    assert.deepEqual(config.scrape_configs[0]!.static_configs[0]!.targets, ['127.0.0.1:8080', '127.0.0.1:8081']);
  });
});

describe('a live Alertmanager with the routing tree', () => {
  let webhook: WebhookReceiver;
  let alertmanager: MonitoringProcess;
  before(async () => {
    webhook = await startWebhookReceiver();
    alertmanager = await startAlertmanager({ webhookUrl: webhook.url });
  });
  after(async () => {
    await alertmanager?.stop();
    await webhook?.close();
  });

  it("holds back a dependency's warnings while its critical alert fires, only that dependency's, and never a page", async () => {
    const alert = (alertname: string, severity: string, labels: Record<string, string>) => ({
      labels: { alertname, severity, job: 'levee', ...labels },
      annotations: { summary: `${alertname} ${JSON.stringify(labels)}` },
    });
    const posted = [
      // Postgres is down: its breaker page holds back its own warnings, not Redis's.
      alert('LeveeCircuitBreakerOpen', 'critical', { dependency: 'postgres' }),
      alert('LeveeRetryBudgetExhausted', 'warning', { dependency: 'postgres' }),
      alert('LeveeRetryBudgetExhausted', 'warning', { dependency: 'redis' }),
      // The single provider (no models file) is down: its page holds back the LLM's warnings.
      alert('LeveeModelUnavailable', 'critical', { model: '_any' }),
      alert('LeveeProviderCircuitBreakerOpen', 'warning', { dependency: 'llm', provider: 'default' }),
      // Another deployment with a models file: a named model's page holds back no provider's
      // warning (no label ties the model to its providers).
      alert('LeveeModelUnavailable', 'critical', { job: 'levee-routed', model: 'text-embedding-3-small' }),
      alert('LeveeProviderCircuitBreakerOpen', 'warning', { job: 'levee-routed', dependency: 'llm', provider: 'openai' }),
    ];
    const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(posted),
    });
    assert.equal(response.status, 200);

    const delivered = (path: string, match: Record<string, string>) =>
      webhook.notifications.some(
        (notification) => notification.path === path && notification.alerts.some((a) => Object.entries(match).every(([name, value]) => a.labels[name] === value)),
      );
    const expectedDeliveries: Array<[path: string, match: Record<string, string>]> = [
      ['/pager', { alertname: 'LeveeCircuitBreakerOpen', dependency: 'postgres' }],
      ['/pager', { alertname: 'LeveeModelUnavailable', model: '_any' }],
      ['/pager', { alertname: 'LeveeModelUnavailable', model: 'text-embedding-3-small' }],
      ['/ticket', { alertname: 'LeveeRetryBudgetExhausted', dependency: 'redis' }],
      ['/ticket', { alertname: 'LeveeProviderCircuitBreakerOpen', job: 'levee-routed', provider: 'openai' }],
    ];
    await waitFor(() => (expectedDeliveries.every(([path, match]) => delivered(path, match)) ? true : undefined), {
      timeoutMs: 15_000,
      what: () => `the pages and tickets; delivered so far: ${JSON.stringify(webhook.notifications.map((n) => [n.path, n.alerts.map((a) => a.labels)]))}`,
    });

    const states = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>;
    const stateOf = (alertname: string, match: Record<string, string>) =>
      states.find((a) => a.labels.alertname === alertname && Object.entries({ job: 'levee', ...match }).every(([name, value]) => a.labels[name] === value))?.status;
    assert.equal(stateOf('LeveeRetryBudgetExhausted', { dependency: 'postgres' })?.state, 'suppressed');
    assert.equal(stateOf('LeveeRetryBudgetExhausted', { dependency: 'postgres' })?.inhibitedBy.length, 1);
    assert.equal(stateOf('LeveeRetryBudgetExhausted', { dependency: 'redis' })?.state, 'active');
    assert.equal(stateOf('LeveeProviderCircuitBreakerOpen', { provider: 'default' })?.state, 'suppressed');
    assert.equal(stateOf('LeveeProviderCircuitBreakerOpen', { provider: 'default' })?.inhibitedBy.length, 1);
    assert.equal(stateOf('LeveeProviderCircuitBreakerOpen', { job: 'levee-routed', provider: 'openai' })?.state, 'active');
    for (const page of posted.filter((a) => a.labels.severity === 'critical')) {
      const { alertname, ...labels } = page.labels;
      assert.equal(stateOf(alertname, labels)?.state, 'active', `${JSON.stringify(page.labels)} is never held back`);
    }
    assert.equal(delivered('/ticket', { dependency: 'postgres' }), false, 'no ticket for the postgres warning');
    assert.equal(delivered('/ticket', { provider: 'default' }), false, 'no ticket for the single provider\'s breaker while its model page fires');
    assert.equal(webhook.notifications.some((n) => n.path === '/pager' && n.alerts.some((a) => a.labels.severity === 'warning')), false, 'warnings never page');
  });
});
