/**
 * The embedded Postgres server started on its own, as `npm run db` runs it, so tests can point
 * Levee's DATABASE_URL at it: the code path of a real PostgreSQL server, over the wire protocol.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './levee-process.ts';

export interface StandalonePostgres {
  url: string;
  /** SIGTERM, then waits for the exit (PGlite flushed, lock released). */
  stop(): Promise<void>;
}

export async function startStandalonePostgres(dataDir: string, timeoutMs = 30_000): Promise<StandalonePostgres> {
  const child = spawn(process.execPath, ['service/deps/postgres/embedded/pglite-server.ts', '--port', '0', '--data-dir', dataDir], {
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
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const parsed = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; url?: string }) : {};
      if (parsed.msg === 'embedded postgres ready' && parsed.url) resolve(parsed.url);
    });
    void exited.then(([code]) => reject(new Error(`the Postgres server exited (${String(code)}) before it was ready: ${stderr}`)));
    setTimeout(() => reject(new Error(`the Postgres server was not ready within ${timeoutMs} ms: ${stderr}`)), timeoutMs).unref();
  });
  try {
    return { url: await ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
