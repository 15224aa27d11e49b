/**
 * Levee's side of the embedded Postgres: starts pglite-server.ts as a child process, waits for it
 * to say it is ready, and stops it. The child outlives nothing: it stops itself when its IPC
 * channel closes, so a Levee that dies (even by SIGKILL) takes its database server with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../../telemetry/logger.ts';

const SERVER_PATH = fileURLToPath(new URL('./pglite-server.ts', import.meta.url));
const HOST = '127.0.0.1';
const DEFAULT_START_TIMEOUT_MS = 60_000;
/** How long close() waits after SIGTERM (PGlite flushing to disk) before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** Longest stderr line kept or logged: the child prints short status lines, anything else is cut. */
const MAX_LINE_CHARS = 500;

export interface EmbeddedPostgresOptions {
  /** The data directory: PGlite's files go in `<dataDir>/pglite`, its lock file beside them. */
  dataDir: string;
  logger: Logger;
  /** How long to wait for the server to be ready, in ms. Default 60 000: a first start takes ~5 s, more on a loaded machine. */
  startTimeoutMs?: number;
  /** This process already holds the data directory's lock (data-dir-lock.ts); the child checks it instead of taking it. Default false. */
  lockHeldByParent?: boolean;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the one connection the server accepts. */
  url: string;
  /** The child's pid. */
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). Resolves once it has exited; safe to call twice. */
  close(): Promise<void>;
  /** Resolves when the server exits for any reason, close() included. */
  exited: Promise<void>;
}

/** The embedded server did not start; the message is its own reason (e.g. the data directory is in use). */
export class EmbeddedPostgresError extends Error {
  readonly dataDir: string;

  constructor(message: string, dataDir: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
    this.dataDir = dataDir;
  }
}

interface ReadyMessage {
  type: 'ready';
  url: string;
}

/** Starts the embedded Postgres on `dataDir` and resolves once it accepts a connection. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const dataDir = resolve(options.dataDir);
  const args = [SERVER_PATH, '--port', '0', '--host', HOST, '--data-dir', dataDir];
  if (options.lockHeldByParent) args.push('--lock-held-by-parent');
  // Not process.execArgv: the child needs none of Levee's flags (its telemetry preload least of all).
  // Detached, so a Ctrl-C in the terminal reaches Levee alone, which drains requests before close().
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.stdout?.resume(); // the ready line is for people running it by hand; ours comes over IPC

  let ready = false;
  let closing = false;
  const startupStderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (raw) => {
    const line = raw.slice(0, MAX_LINE_CHARS);
    if (line.trim() === '') return;
    if (ready) logger.warn({ pid: child.pid, line }, 'embedded postgres stderr');
    else if (startupStderr.length < 50) startupStderr.push(line);
  });

  let url: string;
  try {
    url = await waitUntilReady(child, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, dataDir, () => startupFailure(startupStderr));
  } catch (error) {
    await stop(child, exited);
    throw new EmbeddedPostgresError((error as Error).message, dataDir);
  }
  ready = true;
  child.once('exit', (code, signal) => {
    if (!closing) logger.error({ pid: child.pid, code, signal }, 'embedded postgres exited unexpectedly');
  });
  logger.info({ pid: child.pid, data_dir: dataDir }, 'embedded postgres ready');

  let closed: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    exited,
    close: () => {
      closing = true;
      closed ??= stop(child, exited);
      return closed;
    },
  };
}

/** Resolves with the URL from the child's ready message; rejects with its reason if it exits first. */
function waitUntilReady(child: ChildProcess, timeoutMs: number, dataDir: string, reason: () => string | undefined): Promise<string> {
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => finish(new Error(`embedded postgres on ${dataDir} did not become ready within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown): void => {
      if (isReadyMessage(message)) finish(undefined, message.url);
    };
    // 'close', not 'exit': it comes after the child's stderr has been read to the end.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(reason() ?? `embedded postgres exited while starting (${signal ?? `code ${code}`})`));
    const onError = (error: Error): void => finish(new Error(`embedded postgres could not be started: ${error.message}`));
    function finish(error: Error | undefined, url?: string): void {
      clearTimeout(timer);
      child.off('message', onMessage).off('close', onClose).off('error', onError);
      if (error) reject(error);
      else resolveReady(url!);
    }
    child.on('message', onMessage).on('close', onClose).on('error', onError);
  });
}

/**
 * The line saying why the child stopped: its own one-line reason, or else, from a Node crash
 * report (source excerpt, `Error: …`, stack, version), the error line.
 */
function startupFailure(lines: readonly string[]): string | undefined {
  const own = lines.find((line) => line.startsWith('embedded postgres'));
  const thrown = lines.find((line) => /^\w*(Error|Exception)\b/.test(line));
  if (own !== undefined) return own;
  const last = thrown ?? lines.at(-1);
  return last === undefined ? undefined : `embedded postgres failed to start: ${last}`;
}

function isReadyMessage(message: unknown): message is ReadyMessage {
  if (typeof message !== 'object' || message === null) return false;
  const { type, url } = message as Partial<ReadyMessage>;
  return type === 'ready' && typeof url === 'string';
}

/** SIGTERM, up to STOP_GRACE_MS for PGlite to flush and the child to exit, then SIGKILL. */
async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  // No pid: it never started. An exit code or signal: it has already exited.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((resolveGrace) => {
    timer = setTimeout(() => resolveGrace(true), STOP_GRACE_MS);
  });
  const killed = await Promise.race([exited.then(() => false), graceOver]);
  clearTimeout(timer);
  if (killed) {
    child.kill('SIGKILL');
    await exited;
  }
}
