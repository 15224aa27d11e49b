/**
 * The embedded Postgres server started on its own, as `npm run db` runs it, so tests can point
 * Levee's DATABASE_URL at it: the code path of a real PostgreSQL server, over the wire protocol.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './levee-process.ts';
import { waitFor } from './wait-for.ts';

export interface StandalonePostgres {
  url: string;
  /** SIGTERM, then waits for the exit (PGlite flushed, lock released). */
  stop(): Promise<void>;
}

/** `maxConnections`: clients served at once (the sum of their pools). */
export async function startStandalonePostgres(dataDir: string, options: { timeoutMs?: number; maxConnections?: number } = {}): Promise<StandalonePostgres> {
  const { timeoutMs = 30_000, maxConnections = 1 } = options;
  const child = spawn(process.execPath, ['service/deps/postgres/embedded/pglite-server.ts', '--port', '0', '--data-dir', dataDir, '--max-connections', String(maxConnections)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let readyUrl: string | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; url?: string }) : {};
    if (parsed.msg === 'embedded postgres ready' && parsed.url) readyUrl = parsed.url;
  });
  try {
    const url = await waitFor(() => readyUrl, { timeoutMs, failFast: exited, what: () => `the Postgres server to be ready; its stderr: ${stderr}` });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
