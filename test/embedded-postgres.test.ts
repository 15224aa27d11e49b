/**
 * The embedded Postgres (PGlite + pgvector in a child process, over the wire protocol) with a real
 * `pg` client: pgvector works, data survives a restart, a held data directory is refused, a stale
 * lock is taken over, and the standalone `npm run db` program serves and stops cleanly.
 * Each PGlite start costs seconds (a first one ~3–5 s), so the tests share one data directory and
 * run in order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { acquireDataDirLock, LOCK_FILE_NAME, readLockHolder } from '../service/deps/postgres/embedded/data-dir-lock.ts';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedPostgres } from '../service/deps/postgres/embedded/embedded-postgres.ts';
import { createLogger } from '../service/telemetry/logger.ts';
import { waitFor } from './support/wait-for.ts';

const SERVER_PATH = 'service/deps/postgres/embedded/pglite-server.ts';
const QUERY_HEAD_START_MS = 50;

describe('embedded Postgres', () => {
  let dataDir: string;
  const logLines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
  const running: EmbeddedPostgres[] = [];
  const start = async (options: { lockHeldByParent?: boolean } = {}): Promise<EmbeddedPostgres> => {
    const postgres = await startEmbeddedPostgres({ dataDir, logger, ...options });
    running.push(postgres);
    return postgres;
  };
  /** Runs `fn` with a connected client (the server takes one connection at a time), then disconnects. */
  const withClient = async <T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const countDocs = (url: string) => withClient(url, async (client) => (await client.query('SELECT count(*)::int AS n FROM docs')).rows[0].n);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'levee-pglite-'));
  });
  after(async () => {
    await Promise.all(running.map((postgres) => postgres.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  let first: EmbeddedPostgres;

  it('serves pgvector: the extension, a vector column, an HNSW index and cosine distance', async () => {
    first = await start();
    assert.match(first.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await withClient(first.url, async (client) => {
      const { rows: extension } = await client.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
      assert.match(extension[0].extversion, /^0\.\d+\.\d+$/);
      await client.query('CREATE TABLE docs (id int PRIMARY KEY, embedding vector(3) NOT NULL)');
      await client.query('CREATE INDEX docs_embedding ON docs USING hnsw (embedding vector_cosine_ops)');
      await client.query("INSERT INTO docs VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')");
      const { rows } = await client.query('SELECT id, embedding <=> $1 AS distance FROM docs ORDER BY embedding <=> $1 LIMIT 2', ['[1,0,0]']);
      assert.deepEqual(rows.map((row) => row.id), [1, 3]);
      assert.equal(rows[0].distance, 0);
    });
  });

  it('takes a new connection at once after a client drops one mid-query', async () => {
    // What a client-side query timeout does: destroy the socket while PGlite is still busy.
    const socket = new Socket();
    const dropped = new pg.Client({ connectionString: first.url, stream: () => socket });
    dropped.on('error', () => {});
    await dropped.connect();
    const slow = dropped.query('SELECT pg_sleep(0.3)').catch(() => undefined);
    // PGlite runs the query on the server's only thread and says nothing until it ends, and the
    // one other way to see it busy, a second connection, is what this test is about: so give the
    // 300 ms query a 50 ms head start before the drop.
    await delay(QUERY_HEAD_START_MS);
    socket.destroy();
    // The first attempt can come before the old connection's handler is gone and be refused; that
    // refused socket, left to pglite-socket alone, would stay counted against its limit for good.
    // Attempts every 100 ms, so their count says how long the server took to take one again.
    let attempts = 0;
    await waitFor(async () => {
      attempts++;
      assert.equal(await countDocs(first.url), 3);
      return true;
    }, { timeoutMs: 3_000, intervalMs: 100, what: 'a new connection to count the documents' });
    assert.ok(attempts <= 3, `connected after ${attempts} attempts`);
    await slow;
  });

  it('refuses a data directory another process holds, naming the directory', async () => {
    const refused = await startEmbeddedPostgres({ dataDir, logger }).then(
      () => assert.fail('a second server started on a held data directory'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof EmbeddedPostgresError);
    assert.match(refused.message, new RegExp(`data directory ${dataDir} is in use by another process \\(pid ${first.pid}\\)`));
    assert.match(refused.message, /DATABASE_URL/);
  });

  it('keeps the data across a restart, and serves under a lock its parent holds', async () => {
    await first.close();
    assert.equal(existsSync(join(dataDir, LOCK_FILE_NAME)), false, 'a clean stop removes the lock');

    const lock = acquireDataDirLock(dataDir); // what Levee does at boot
    try {
      await assert.rejects(startEmbeddedPostgres({ dataDir, logger }), new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
      const restarted = await start({ lockHeldByParent: true });
      assert.equal(await countDocs(restarted.url), 3);
      await restarted.close();
      assert.equal(readLockHolder(dataDir)?.pid, process.pid, 'the child leaves its parent\'s lock alone');
    } finally {
      lock.release();
    }
    assert.equal(existsSync(join(dataDir, LOCK_FILE_NAME)), false);
  });

  it('takes over the stale lock of a server that was killed, and logs that it died', async () => {
    const killed = await start();
    await withClient(killed.url, (client) => client.query("INSERT INTO docs VALUES (4, '[0,0,1]')"));
    process.kill(killed.pid, 'SIGKILL');
    await waitFor(() => logLines.some((line) => line.msg === 'embedded postgres exited unexpectedly' && line.pid === killed.pid), {
      intervalMs: 20,
      what: 'the parent to log that the server died',
    });
    assert.equal(readLockHolder(dataDir)?.pid, killed.pid, 'SIGKILL leaves the lock behind');

    const next = await start();
    // Rows committed before the kill survive: PGlite's files are flushed, not only kept in memory.
    assert.equal(await countDocs(next.url), 4);
    await next.close();
  });

  it('runs standalone (npm run db): prints a URL pg can use, exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [SERVER_PATH, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const ready = JSON.parse(line) as { msg: string; url: string };
      assert.equal(ready.msg, 'embedded postgres ready');
      assert.equal(await countDocs(ready.url), 4);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exit, 0);
    assert.equal(existsSync(join(dataDir, LOCK_FILE_NAME)), false);
  });
});
