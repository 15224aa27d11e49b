/**
 * Starts Levee as a child process on a free loopback port and reads its JSON log lines, so tests
 * can send it signals and watch it start, drain and exit like production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_ROUTES_ENTRY = 'test/fixtures/levee-with-test-routes.ts';

export interface LeveeProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** stdout, line by line (JSON log lines and anything else). */
  stdout: string[];
  stderr: string[];
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Defaults to Levee with the test routes; `npm start` is passed as a command. */
  command?: { file: string; args: string[]; detached?: boolean };
  startTimeoutMs?: number;
}

/**
 * Environment for a child: the parent's PATH and npm settings, loopback, a free port, no drain
 * delay, and no per-IP rate limit (every test client is 127.0.0.1; tests of limits set their own).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    LOG_LEVEL: 'info',
    RATE_LIMIT_IP_PER_MIN: '0',
    ...extra,
  };
}

export function spawnProcess(options: SpawnOptions = {}) {
  const command = options.command ?? { file: process.execPath, args: [TEST_ROUTES_ENTRY] };
  // Each child its own DATA_DIR unless the test picks one: the embedded store locks it.
  const ownDataDir = options.env?.DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'levee-test-data-')) : undefined;
  const child = spawn(command.file, command.args, {
    cwd: REPO_ROOT,
    env: childEnv({ ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: command.detached ?? false,
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stdout!, stdout);
  collectLines(child.stderr!, stderr);
  const exited = once(child, 'exit').then(([code, signal]) => {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return { child, stdout, stderr, exited };
}

export async function spawnLevee(options: SpawnOptions = {}): Promise<LeveeProcess> {
  const { child, stdout, stderr, exited } = spawnProcess(options);
  const logs = () => stdout.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
  const port = await waitFor(
    () => logs().find((line) => line.msg === 'listening')?.port as number | undefined,
    { timeoutMs: options.startTimeoutMs ?? 20_000, failFast: exited, what: () => `Levee to listen\n${stderr.join('\n')}` },
  );
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    port,
    stdout,
    stderr,
    logs,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

function collectLines(stream: NodeJS.ReadableStream, into: string[]): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    into.push(...lines.filter((line) => line.length > 0));
  });
  stream.on('end', () => {
    if (pending) into.push(pending);
  });
}
