/**
 * Breaker-open pages end to end (with one provider, its open breaker is LeveeModelUnavailable for
 * every model; a provider's breaker alone is a warning): a real Levee in front of the simulator, a real Prometheus
 * scraping it every second with the repo's rules, a real Alertmanager with the repo's routing
 * tree (test variant: webhook receivers, 1 s group timers), and a webhook receiver standing in
 * for PagerDuty and Slack. The rules are rendered from the same jsonnet with shorter `for` and
 * smoothing windows (the promtool tests in alerts/tests/ prove the production timings).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import {
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
  type MonitoringProcess,
  type PrometheusServer,
  type WebhookNotification,
  type WebhookReceiver,
} from '../stack/monitoring.ts';

const RULE_OVERRIDES = "{ breaker: { pageAfter: '4s', smoothing: '4s' } }";
const RUNBOOK = 'https://github.com/levee-ai/levee/blob/main/alerts/runbook.md#leveemodelunavailable';
/** With one provider and no models file, its open breaker leaves every model unservable: the page. */
const PAGE = 'LeveeModelUnavailable';
/** Load pacing: the steady traffic's pause between calls (at most 20 calls a second). */
const BETWEEN_CALLS_MS = 50;

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  }).then((response) => response.arrayBuffer().then(() => response.status));

/** The first delivery of `alertname` (with `status`) at the pager, if any yet. */
function delivery(webhook: WebhookReceiver, alertname: string, status: 'firing' | 'resolved'): WebhookNotification | undefined {
  return webhook.notifications.find(
    (notification) => notification.path === '/pager' && notification.alerts.some((alert) => alert.labels.alertname === alertname && alert.status === status),
  );
}

describe('breaker-open paging, Levee → Prometheus → Alertmanager → webhook', () => {
  let stack: LeveeWithSimulator;
  let webhook: WebhookReceiver;
  let alertmanager: MonitoringProcess;
  let prometheus: PrometheusServer;
  const traffic: { stop: boolean; done?: Promise<void> } = { stop: false };

  before(async () => {
    webhook = await startWebhookReceiver();
    alertmanager = await startAlertmanager({ webhookUrl: webhook.url });
    // Half-open after 1 s: during the outage the breaker cycles open → half_open → open many
    // times, which the page must ride through.
    stack = await startLeveeWithSimulator({ LLM_BREAKER_HALF_OPEN_AFTER_MS: '1000', LLM_RETRY_MAX_ATTEMPTS: '1' });
    prometheus = await startPrometheus({
      leveeTargets: [`127.0.0.1:${stack.levee.port}`],
      alertmanagers: [new URL(alertmanager.url).host],
      interval: '1s',
      ruleOverrides: RULE_OVERRIDES,
    });
    // Steady client traffic, as in production: it is what trips the breaker and what probes it.
    traffic.done = (async () => {
      while (!traffic.stop) {
        await chat(stack.levee.url).catch(() => 0);
        await delay(BETWEEN_CALLS_MS);
      }
    })();
  });

  after(async () => {
    traffic.stop = true;
    await traffic.done;
    await prometheus?.stop();
    await stack?.stop();
    await alertmanager?.stop();
    await webhook?.close();
  });

  it('pages LeveeModelUnavailable while the only provider fails, then sends the resolution', async (t) => {
    await waitFor(async () => ((await prometheus.query('up{job="levee"} == 1')).length === 1 ? true : undefined), {
      timeoutMs: 15_000,
      what: () => 'Prometheus to scrape Levee',
    });
    assert.equal(delivery(webhook, PAGE, 'firing'), undefined, 'no page while the provider is healthy');

    const outageStartedAt = Date.now();
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    const page = await waitFor(() => delivery(webhook, PAGE, 'firing'), {
      timeoutMs: 45_000,
      intervalMs: 100,
      what: () => `the page; deliveries so far: ${JSON.stringify(webhook.notifications.map((n) => [n.path, n.status]))}`,
    });
    const alert = page.alerts.find((candidate) => candidate.labels.alertname === PAGE)!;
    assert.equal(page.receiver, 'pager');
    assert.equal(alert.labels.model, '_any');
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.job, 'levee');
    assert.equal(alert.labels.instance, undefined, 'aggregated across replicas, not one page per replica');
    assert.equal(alert.annotations.runbook_url, RUNBOOK);
    assert.match(alert.annotations.description ?? '', /^For more than 4s on 1 replica\(s\) of levee, the LLM provider \(the only one: no models file\) has not had its breaker closed/);
    const pagedAfterMs = page.receivedAt - outageStartedAt;
    // 4 s `for` + 1 s scrape/evaluation + 1 s group_wait, with room for a loaded machine.
    assert.ok(pagedAfterMs < 30_000, `paged ${pagedAfterMs} ms after the outage began`);
    t.diagnostic(`paged ${pagedAfterMs} ms after the outage began`);

    // The breaker really cycled through half-open probes while the page held.
    const probes = await prometheus.query('levee_circuit_breaker_transitions_total{dependency="llm",provider="default", from="open", to="half_open"}');
    assert.ok(Number(probes[0]?.value?.[1]) >= 2, `half-open probes during the outage: ${probes[0]?.value?.[1]}`);

    const recoveredAt = Date.now();
    stack.simulator.clearFaults();
    const resolution = await waitFor(() => delivery(webhook, PAGE, 'resolved'), {
      timeoutMs: 45_000,
      intervalMs: 100,
      what: () => 'the resolved notification',
    });
    assert.equal(resolution.receiver, 'pager');
    const resolved = resolution.alerts.find((candidate) => candidate.labels.alertname === PAGE)!;
    assert.equal(resolved.labels.model, '_any');
    assert.ok(resolution.receivedAt - recoveredAt < 30_000, `resolved ${resolution.receivedAt - recoveredAt} ms after recovery`);
    t.diagnostic(`resolved ${resolution.receivedAt - recoveredAt} ms after recovery`);
    // Only one firing page for the breaker, however many scrapes and probes happened.
    const firingPages = webhook.notifications.filter((n) => n.status === 'firing' && n.alerts.some((a) => a.labels.alertname === PAGE));
    assert.equal(firingPages.length, 1);
  });
});
