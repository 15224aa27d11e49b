/**
 * The embedded Postgres: PGlite with pgvector, served over the Postgres wire protocol from a
 * process of its own. PGlite holds 400–700 MB (1.1 GB at the peak of a first start) and runs every
 * query on its JavaScript thread, so it must not live in Levee's process; Levee starts this program as a child (embedded-postgres.ts),
 * and `npm run db -- --port 5433 --data-dir ./data` runs it standalone for tests and demos.
 *
 *   --data-dir  the data directory (default ./data): PGlite's files in `<dir>/pglite`, the lock beside
 *   --port      TCP port (default 5432; 0 picks a free one, reported when ready)
 *   --host      address to bind (default 127.0.0.1)
 *   --max-connections  clients served at once (default 1; `npm run db` for several replicas: raise
 *               it to the sum of their POSTGRES_POOL_MAX). They take turns on PGlite's one session,
 *               a whole exchange or transaction at a time (session-handoff.ts)
 *   --lock-held-by-parent  the parent process holds the data directory's lock: check it, don't take it
 *
 * Ready: sends `{ type: 'ready', host, port, url }` on the IPC channel when there is one, and
 * always prints one JSON line with the URL on stdout. Stops cleanly (PGlite flushed, lock
 * removed, exit 0) on SIGTERM, SIGINT, or when the IPC channel closes because the parent died.
 * Exit codes: 0 stopped, 1 failed, 3 the data directory is held by another live process.
 * It prints only its own status lines: never a query, a row or a credential.
 */
import { mkdirSync } from 'node:fs';
import { Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { handOffSessionPerExchange } from './session-handoff.ts';
import { acquireDataDirLock, DataDirInUseError, readLockHolder, type DataDirLock } from './data-dir-lock.ts';

const EXIT_FAILED = 1;
const EXIT_DATA_DIR_IN_USE = 3;

let lock: DataDirLock | undefined;
let db: PGlite | undefined;
let server: PGLiteSocketServer | undefined;
let started = false;
let stopRequested = false;
let stopping = false;

const args = parseArguments();
const dataDir = resolve(args['data-dir']);
const host = args.host;
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be an integer from 0 to 65535, got ${args.port}`);
const maxConnections = Number(args['max-connections']);
if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 1_000) fail(`--max-connections must be an integer from 1 to 1000, got ${args['max-connections']}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, requestStop);
// The parent died (or closed the channel): nobody would ever stop us otherwise.
process.on('disconnect', requestStop);

try {
  mkdirSync(dataDir, { recursive: true });
  if (!args['lock-held-by-parent']) lock = acquireDataDirLock(dataDir);
  else if (readLockHolder(dataDir)?.pid !== process.ppid) fail(`the lock on data directory ${dataDir} is not held by the parent process`);
  db = await PGlite.create({ dataDir: join(dataDir, 'pglite'), extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  // PGlite is a single Postgres session: several clients take turns on it, one exchange or
  // transaction at a time. A connection past the maximum is closed at once.
  server = new PGLiteSocketServer({ db, host, port, maxConnections });
  handOffSessionPerExchange(server);
  await server.start();
  destroyRefusedSockets(server);
} catch (error) {
  if (error instanceof DataDirInUseError) fail(error.message, EXIT_DATA_DIR_IN_USE);
  fail(`cannot start on ${dataDir}: ${describe(error)}`);
}
started = true;
// A signal that arrived while PGlite's WebAssembly held the thread is delivered on this turn.
await new Promise((resolveTurn) => setImmediate(resolveTurn));
if (stopRequested) await stop(0);

// getServerConn() is `host:port` with the port the socket actually bound (so port 0 is resolved).
const boundPort = Number(server.getServerConn().split(':').at(-1));
// PGlite ignores the user and database in the startup message: it is always `postgres` on `postgres`.
const url = `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${boundPort}/postgres`;
process.send?.({ type: 'ready', host, port: boundPort, url });
process.stdout.write(`${JSON.stringify({ msg: 'embedded postgres ready', url, dataDir })}\n`);

/**
 * A stop asked for while PGlite is still opening waits for it to open (stopping half-way through
 * a first start would leave a half-initialised directory); a second one, handled once PGlite's
 * WebAssembly lets go of the thread, stops at once.
 */
function requestStop(): void {
  if (started) void stop(0);
  else if (stopRequested) fail('stopped while starting');
  else stopRequested = true;
}

async function stop(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    try {
      await server?.stop();
      await db?.close(); // waits for the running query, then flushes to disk
    } catch (error) {
      process.stderr.write(`embedded postgres: error while stopping: ${describe(error)}\n`);
      exitCode = EXIT_FAILED;
    }
    lock?.release();
    process.exit(exitCode);
  }
  return new Promise(() => {});
}

/** Prints one line on stderr (the parent reports it as the reason) and exits, releasing the lock. */
function fail(message: string, exitCode = EXIT_FAILED): never {
  process.stderr.write(`${message.startsWith('embedded postgres') ? '' : 'embedded postgres: '}${message}\n`);
  lock?.release();
  process.exit(exitCode);
}

/**
 * Works around pglite-socket 0.2.17: a connection refused while another is open gets
 * "Too many connections" and `end()`, but is never read from, so it never sees the client's
 * FIN, is never destroyed, and stays counted against the net server's maxConnections: from then
 * on the server drops every connection, for good. The race is easy to hit: a client that times
 * out a query and reconnects at once arrives before the old connection's handler is gone.
 * Destroying every socket once its writable side has finished closes it; the handler's own
 * sockets end that way anyway (on the client's FIN, or the handler's detach).
 */
function destroyRefusedSockets(socketServer: PGLiteSocketServer): void {
  const netServer = (socketServer as unknown as { server: unknown }).server;
  if (!(netServer instanceof Server)) {
    process.stderr.write('embedded postgres: cannot reach pglite-socket\'s net server; a refused connection may block later ones\n');
    return;
  }
  netServer.on('connection', (socket: Socket) => socket.once('finish', () => socket.destroy()));
}

function parseArguments() {
  try {
    return parseArgs({
      options: {
        'data-dir': { type: 'string', default: './data' },
        port: { type: 'string', default: '5432' },
        host: { type: 'string', default: '127.0.0.1' },
        'max-connections': { type: 'string', default: '1' },
        'lock-held-by-parent': { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail(`${describe(error)} (usage: --data-dir ./data --port 5432 --host 127.0.0.1 --max-connections 1)`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : String(error);
}
