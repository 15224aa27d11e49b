/**
 * Several simulated providers behind one real Levee process: each simulator on its own port with
 * its own faults, a MODELS_FILE written to a temporary directory pointing at them, and Levee
 * started on it (telemetry preloaded, as `npm start` runs it). `rewrite` + `sighup` exercise the
 * reload.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../simulator/server.ts';
import { spawnLevee, type LeveeProcess } from './levee-process.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './levee-with-simulator.ts';

export interface ProvidersStack {
  levee: LeveeProcess;
  simulators: Record<string, SimulatorHandle>;
  modelsFile: string;
  /** Replaces the models file (YAML built from the simulators' URLs by `yaml`). */
  rewrite(yaml: (urls: Record<string, string>) => string): void;
  sighup(): void;
  stop(): Promise<void>;
}

export interface ProvidersStackOptions {
  /** Provider id → simulator options (its models, its seed). */
  providers: Record<string, SimulatorOptions>;
  /** The models file, given each provider's base URL. */
  yaml: (urls: Record<string, string>) => string;
  env?: Record<string, string>;
}

export async function startProvidersStack(options: ProvidersStackOptions): Promise<ProvidersStack> {
  const simulators: Record<string, SimulatorHandle> = {};
  for (const [id, simulatorOptions] of Object.entries(options.providers)) simulators[id] = await startSimulator({ seed: 7, ...simulatorOptions });
  const urls = Object.fromEntries(Object.entries(simulators).map(([id, simulator]) => [id, simulator.url]));
  const directory = mkdtempSync(join(tmpdir(), 'levee-models-'));
  const modelsFile = join(directory, 'models.yaml');
  writeFileSync(modelsFile, options.yaml(urls));
  const levee = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...FAST_POLICIES, MODELS_FILE: modelsFile, ...options.env } });
  return {
    levee,
    simulators,
    modelsFile,
    rewrite: (yaml) => writeFileSync(modelsFile, yaml(urls)),
    sighup: () => void levee.child.kill('SIGHUP'),
    async stop() {
      await levee.stop();
      await Promise.all(Object.values(simulators).map((simulator) => simulator.close()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface ChatAnswer {
  status: number;
  provider: string | null;
  model: string | null;
  attempts: number | null;
  body: Record<string, unknown>;
  /** When it was sent (ms since the epoch) and how long it took. */
  sentAt: number;
  latencyMs: number;
}

/** One JSON request to Levee, with the routing headers picked out. */
export async function call(url: string, path: '/v1/chat/completions' | '/v1/embeddings', body: Record<string, unknown>): Promise<ChatAnswer> {
  const sentAt = Date.now();
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const attempts = response.headers.get('x-levee-attempts');
  return {
    status: response.status,
    provider: response.headers.get('x-levee-provider'),
    model: response.headers.get('x-levee-model'),
    attempts: attempts === null ? null : Number(attempts),
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
    sentAt,
    latencyMs: performance.now() - started,
  };
}

export const chat = (url: string, model: string, extra: Record<string, unknown> = {}) =>
  call(url, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], ...extra });

/** Sends `ratePerSecond` requests a second for `durationMs`, evenly spaced (open loop), and collects every answer. */
export async function steadyLoad(send: () => Promise<ChatAnswer>, ratePerSecond: number, durationMs: number): Promise<ChatAnswer[]> {
  const answers: Array<Promise<ChatAnswer>> = [];
  const started = performance.now();
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    answers.push(send());
  }
  return Promise.all(answers);
}

/** A provider breaker's state from /health/circuit-breakers. */
export async function breakerOf(url: string, provider: string): Promise<string | undefined> {
  const body = (await (await fetch(`${url}/health/circuit-breakers`)).json()) as { circuit_breakers: Record<string, { state: string }> };
  return body.circuit_breakers[`llm/${provider}`]?.state;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
