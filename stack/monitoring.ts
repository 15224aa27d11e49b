/**
 * Real Prometheus and Alertmanager processes (Debian's `prometheus` and `prometheus-alertmanager`;
 * `npm test` installs them) on loopback, configured from the repo's own jsonnet, plus a webhook
 * receiver that records what Alertmanager delivers. Used by `npm run stack:local` and the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonnet } from '../dashboards/lib/jsonnet-render.ts';
import { freePort } from './free-port.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface MonitoringProcess {
  url: string;
  stop(): Promise<void>;
}

export interface PrometheusServer extends MonitoringProcess {
  /** An instant query; the result vector (or matrix) as Prometheus returns it. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value?: [number, string] }>>;
  /** Alerts as the rule manager holds them (pending and firing). */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>>;
}

export interface PrometheusOptions {
  leveeTargets: string[];
  alertmanagers?: string[];
  /** Scrape and evaluation interval, e.g. '1s'. */
  interval: string;
  /** jsonnet code patching dashboards/config.libsonnet for the rules (shorter `for`s). */
  ruleOverrides?: string;
  /** Default: a free port. */
  port?: number;
}

const jsonnetCode = (value: unknown): string => JSON.stringify(value);

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'levee-prometheus-'));
  const rulesFile = join(dir, 'levee-rules.yaml');
  writeFileSync(rulesFile, await renderJsonnet({
    source: join(REPO_ROOT, 'alerts/rules.jsonnet'),
    output: rulesFile,
    format: 'yaml',
    topLevelCode: options.ruleOverrides ? { overrides: options.ruleOverrides } : {},
  }));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, await renderJsonnet({
    source: join(REPO_ROOT, 'alerts/prometheus.jsonnet'),
    output: configFile,
    format: 'yaml',
    topLevelCode: {
      leveeTargets: jsonnetCode(options.leveeTargets),
      alertmanagers: jsonnetCode(options.alertmanagers ?? []),
      collectorTargets: '[]',
      ruleFiles: jsonnetCode([rulesFile]),
      scrapeInterval: jsonnetCode(options.interval),
      evaluationInterval: jsonnetCode(options.interval),
    },
  }));
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = await supervise(child, url, dir, 'prometheus');
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    stop,
    query: async (expr) => (await api<{ result: Array<{ metric: Record<string, string>; value?: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>('/api/v1/alerts')).alerts,
  };
}

export async function startAlertmanager(options: { webhookUrl: string; port?: number }): Promise<MonitoringProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'levee-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, await renderJsonnet({
    source: join(REPO_ROOT, 'alerts/alertmanager.jsonnet'),
    output: configFile,
    format: 'yaml',
    topLevelCode: { variant: "'test'", webhookUrl: jsonnetCode(options.webhookUrl) },
  }));
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('prometheus-alertmanager', [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // A single instance: no gossip port to collide with other tests.
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { url, stop: await supervise(child, url, dir, 'alertmanager') };
}

/** Waits for /-/ready; returns a stop that kills the process and removes its directory. */
async function supervise(child: ChildProcess, url: string, dir: string, name: string): Promise<() => Promise<void>> {
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`${url}/-/ready`).then((response) => response.ok, () => false))) {
    if (hasExited || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not become ready at ${url}${hasExited ? ' (it exited)' : ''}\n${stderr.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return stop;
}

/** One webhook delivery from Alertmanager (its webhook payload, version 4). */
export interface WebhookNotification {
  receiver: string;
  /** The path it was posted to: /pager or /ticket. */
  path: string;
  status: 'firing' | 'resolved';
  alerts: Array<{ status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string> }>;
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  notifications: WebhookNotification[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { port?: number; onNotification?: (notification: WebhookNotification) => void } = {}): Promise<WebhookReceiver> {
  const notifications: WebhookNotification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<WebhookNotification, 'path' | 'receivedAt'>;
      const notification = { ...payload, path: request.url ?? '', receivedAt: Date.now() };
      notifications.push(notification);
      options.onNotification?.(notification);
      response.writeHead(200).end();
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    notifications,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
