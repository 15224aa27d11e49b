/**
 * Starts and stops the benchmark's processes — the simulator, the baseline proxy, Levee (as
 * `npm start` runs it) and redis-server — each in its own process group with its output in a log
 * file, and makes sure none outlives the benchmark: stopped in order at the end, killed (with
 * their children, e.g. Levee's embedded Postgres) on exit, failure or SIGINT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../stack/free-port.ts';
import { BENCH_CLIENT_KEY } from './client-key.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A started process; `pid` is what the resource sampler watches. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` (redis: `redis://…`). */
  readonly origin: string;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every process group still running, synchronously (safe in an 'exit' handler). */
function killAll(): void {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

/** On exit, SIGINT or SIGTERM, nothing the benchmark started survives it. */
export function installCleanup(): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      killAll();
      process.exit(130);
    });
  }
}

interface SpawnOptions {
  name: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  origin: string;
  workDir: string;
  /** Resolves true once the process is ready. */
  ready: (log: () => string) => Promise<boolean> | boolean;
  startTimeoutMs?: number;
}

async function spawnService(options: SpawnOptions): Promise<ServiceProcess> {
  const logFile = join(options.workDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(options.file, options.args, {
    cwd: REPO_ROOT,
    env: options.env,
    stdio: ['ignore', fd, fd],
    // Its own process group, so its children (PGlite) die with it.
    detached: true,
  });
  closeSync(fd);
  running.add(child);
  const exited = once(child, 'exit').then(() => void running.delete(child));
  const log = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited before it was ready; its log (${logFile}):\n${log().slice(-2000)}`);
    }
    if (await options.ready(log)) break;
    if (Date.now() > deadline) throw new Error(`${options.name} was not ready within the start timeout; log: ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    name: options.name,
    pid: child.pid!,
    port: options.port,
    origin: options.origin,
    logFile,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** True once the log has a JSON line whose msg is `message`. */
const logged = (message: string) => (log: () => string) =>
  log()
    .split('\n')
    .some((line) => line.startsWith('{') && line.includes(`"msg":"${message}"`));

/** The parent's environment without anything that configures Levee, the simulator or OTel. */
function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const configures = /^(LLM_|OTEL_|REDIS_|DATABASE_|API_KEYS|RATE_LIMIT_|CACHE_|POSTGRES_|SHARED_|LEVEE_|SIM_|MODELS_FILE$|LOG_LEVEL$|PORT$|HOST$|DATA_DIR$|ADMIN_TOKEN$|METRICS_PORT$|SHUTDOWN_|REQUEST_TIMEOUT|UPSTREAM_URL$|UPSTREAM_CONNECTIONS$)/;
  for (const [name, value] of Object.entries(process.env)) if (!configures.test(name)) env[name] = value;
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

export interface SimulatorProcessOptions {
  workDir: string;
  /** Vector size for embedding models the simulator does not know. */
  embeddingDimension: number;
  /** Its log file's name (default 'simulator'): several simulators each need their own. */
  name?: string;
  /** Listen here (default a free port): a restarted simulator keeps its port. */
  port?: number;
}

/** `node simulator/main.ts`, no faults: zero added latency. */
export async function startSimulatorProcess(options: SimulatorProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  return spawnService({
    name: options.name ?? 'simulator',
    file: process.execPath,
    args: ['simulator/main.ts'],
    env: cleanEnv({ SIM_PORT: String(port), SIM_EMBEDDING_DIMENSION: String(options.embeddingDimension) }),
    port,
    origin: `http://127.0.0.1:${port}`,
    workDir: options.workDir,
    ready: logged('simulator listening'),
  });
}

/** `node bench/baseline-proxy.ts` in front of `upstreamUrl`. */
/** `connections`: keep-alive connections to the upstream (default 256, as Levee's LLM bulkhead). */
export async function startBaselineProcess(options: { workDir: string; upstreamUrl: string; name?: string; connections?: number }): Promise<ServiceProcess> {
  const port = await freePort();
  return spawnService({
    name: options.name ?? 'baseline',
    file: process.execPath,
    args: ['bench/baseline-proxy.ts'],
    env: cleanEnv({ PORT: String(port), UPSTREAM_URL: options.upstreamUrl, ...(options.connections ? { UPSTREAM_CONNECTIONS: String(options.connections) } : {}) }),
    port,
    origin: `http://127.0.0.1:${port}`,
    workDir: options.workDir,
    ready: logged('baseline proxy listening'),
  });
}

/**
 * Portkey's open-source AI gateway (npm `@portkey-ai/gateway`, pinned in devDependencies), headless,
 * in front of the same simulator: the side-by-side column. Clients name the upstream per request
 * (PORTKEY_HEADERS below).
 */
export async function startPortkeyProcess(options: { workDir: string }): Promise<ServiceProcess> {
  const port = await freePort();
  return spawnService({
    name: 'portkey',
    file: process.execPath,
    args: [fileURLToPath(import.meta.resolve('@portkey-ai/gateway/build/start-server.js')), `--port=${port}`, '--headless'],
    env: cleanEnv({ NODE_ENV: 'production' }),
    port,
    origin: `http://127.0.0.1:${port}`,
    workDir: options.workDir,
    ready: (log: () => string) => log().includes('Ready for connections'),
  });
}

/** What Portkey needs on every request to proxy to an OpenAI-compatible upstream. */
export function portkeyHeaders(upstreamUrl: string): Record<string, string> {
  return { authorization: 'Bearer unused', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamUrl };
}

export interface LeveeProcessOptions {
  name: string;
  workDir: string;
  upstreamUrl: string;
  adminToken: string;
  redisUrl?: string;
  /** Further settings (e.g. a larger bulkhead for the concurrent-streams measurement); undefined removes a default. */
  env?: Record<string, string | undefined>;
  /** Another checkout of Levee to run (a before/after comparison); default this one. */
  root?: string;
  /** Modules preloaded after the telemetry preload (bench/ablation.ts for the CPU breakdown). */
  imports?: string[];
  /** Node flags before the preload (the soak's `--inspect`); never NODE_OPTIONS, which Levee's children would inherit. */
  nodeArgs?: string[];
}

/** The providers every bench Levee routes over: two, both the simulator (as a primary and its backup). */
export const BENCH_PROVIDERS = ['primary', 'secondary'] as const;

/** The bench's MODELS_FILE: every model the scenarios ask for, spread over both providers. */
function writeModelsFile(workDir: string, upstreamUrl: string): string {
  const path = join(workDir, 'models.yaml');
  const deployments = '\n      - { provider: primary, weight: 9 }\n      - { provider: secondary, weight: 1 }';
  writeFileSync(
    path,
    `providers:\n${BENCH_PROVIDERS.map((id) => `  - id: ${id}\n    base_url: ${upstreamUrl}\n`).join('')}` +
      `models:\n` +
      `  - name: gpt-4o-mini\n    deployments:${deployments}\n` +
      `  - name: text-embedding-3-small\n    kind: embeddings\n    deployments:${deployments}\n` +
      `  - name: bench-embedding-64\n    kind: embeddings\n    deployments:${deployments}\n`,
  );
  return path;
}

/**
 * Levee exactly as `npm start` runs it (`node --import ./service/telemetry/preload.ts
 * service/main.ts`) with the defaults a user runs: API keys on (the bench's key, client-key.ts),
 * inbound rate limits per IP and per key on but far above any load here, a MODELS_FILE with two
 * providers, caches on, no outgoing quota, no OTLP exporter (spans recorded and dropped), logs at
 * info into its log file, its own DATA_DIR. `env` overrides any of it.
 */
export async function startLeveeProcess(options: LeveeProcessOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(options.workDir, `${options.name}-data-`));
  return spawnService({
    name: options.name,
    file: process.execPath,
    args: [
      ...(options.nodeArgs ?? []),
      '--import',
      join(options.root ?? REPO_ROOT, 'service/telemetry/preload.ts'),
      ...(options.imports ?? []).flatMap((module) => ['--import', join(REPO_ROOT, module)]),
      join(options.root ?? REPO_ROOT, 'service/main.ts'),
    ],
    env: cleanEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LLM_BASE_URL: options.upstreamUrl,
      API_KEYS: `bench:${BENCH_CLIENT_KEY}`,
      RATE_LIMIT_IP_PER_MIN: '100000000',
      RATE_LIMIT_KEY_PER_MIN: '100000000',
      MODELS_FILE: writeModelsFile(options.workDir, options.upstreamUrl),
      DATA_DIR: dataDir,
      ADMIN_TOKEN: options.adminToken,
      // Not a performance setting: only how long a stop takes.
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      SHUTDOWN_GRACE_MS: '2000',
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      ...options.env,
    }),
    port,
    origin: `http://127.0.0.1:${port}`,
    workDir: options.workDir,
    // Asked over HTTP, not read from the log: a variant may log at warn.
    ready: () => answersHttp(`http://127.0.0.1:${port}/health/live`),
  });
}

async function answersHttp(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** A throw-away redis-server on loopback: no persistence. `port` restarts one where it was; `name` names its log. */
export async function startRedisProcess(options: { workDir: string; port?: number; name?: string }): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  return spawnService({
    name: options.name ?? 'redis',
    file: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    env: cleanEnv({}),
    port,
    origin: `redis://127.0.0.1:${port}`,
    workDir: options.workDir,
    ready: () => answersPing(port),
  });
}

/** A fresh working directory for logs and data under the system temp dir. */
export function makeWorkDir(tmp: string): string {
  return mkdtempSync(join(tmp, 'levee-bench-'));
}
