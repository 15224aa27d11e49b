/**
 * `npm run stack:local`: the compose stack's monitoring half without Docker. The simulator, one
 * Levee (`npm start`, pointed at the simulator), and the local `prometheus` and
 * `prometheus-alertmanager` binaries running the repo's rules and routing tree. Alertmanager uses
 * its test variant (webhook receivers), delivered to a receiver here that prints every page and
 * ticket, so a breaker-open page can be watched end to end on a laptop.
 *
 * Ports (environment): LEVEE_PORT 8080, SIM_PORT 8090, PROMETHEUS_PORT 9090, ALERTMANAGER_PORT
 * 9093, WEBHOOK_PORT 9095. Other variables (REDIS_URL, DATABASE_URL, API_KEYS…) pass to Levee.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../simulator/server.ts';
import { startAlertmanager, startPrometheus, startWebhookReceiver, type WebhookNotification } from './monitoring.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const ports = {
  levee: port('LEVEE_PORT', 8080),
  simulator: port('SIM_PORT', 8090),
  prometheus: port('PROMETHEUS_PORT', 9090),
  alertmanager: port('ALERTMANAGER_PORT', 9093),
  webhook: port('WEBHOOK_PORT', 9095),
};
const stops: Array<() => Promise<unknown>> = [];

function printNotification(notification: WebhookNotification): void {
  for (const alert of notification.alerts) {
    const { alertname, severity, ...labels } = alert.labels;
    const where = Object.entries(labels).map(([name, value]) => `${name}=${value}`).join(' ');
    console.log(`[${notification.path.slice(1)}] ${alert.status.toUpperCase()} ${alertname} (${severity}) ${where}\n    ${alert.annotations.summary ?? ''}`);
  }
}

async function startLevee(simulatorUrl: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', './service/telemetry/preload.ts', 'service/main.ts'], {
    cwd: root,
    env: { LLM_BASE_URL: simulatorUrl, ADMIN_TOKEN: 'local-stack-admin-token', ...process.env, PORT: String(ports.levee) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  stops.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`http://127.0.0.1:${ports.levee}/health/ready`).then((response) => response.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Levee did not become ready on port ${ports.levee}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  const simulator = await startSimulator({ port: ports.simulator });
  stops.push(() => simulator.close());
  await startLevee(simulator.url);
  const webhook = await startWebhookReceiver({ port: ports.webhook, onNotification: printNotification });
  stops.push(() => webhook.close());
  const alertmanager = await startAlertmanager({ webhookUrl: webhook.url, port: ports.alertmanager });
  stops.push(() => alertmanager.stop());
  const prometheus = await startPrometheus({
    leveeTargets: [`127.0.0.1:${ports.levee}`],
    alertmanagers: [`127.0.0.1:${ports.alertmanager}`],
    interval: '15s',
    port: ports.prometheus,
  });
  stops.push(() => prometheus.stop());

  console.log(`Levee        http://127.0.0.1:${ports.levee}
Simulator    ${simulator.origin} (faults: POST /_sim/faults)
Prometheus   ${prometheus.url} (the rules of alerts/rules.jsonnet)
Alertmanager ${alertmanager.url} (pages and tickets print below)

Trigger a breaker-open page: fail the LLM, send traffic, wait about 2.5 minutes:
  curl -X POST ${simulator.origin}/_sim/faults -H 'content-type: application/json' -d '{"route":"chat","fault":{"type":"error","status":500}}'
  while sleep 1; do curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:${ports.levee}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'; done
Recover: curl -X DELETE ${simulator.origin}/_sim/faults   (a RESOLVED notification follows)
Ctrl-C stops everything.`);
}

async function shutdown(exitCode: number): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(exitCode);
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
});
