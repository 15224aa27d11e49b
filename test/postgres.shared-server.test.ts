/**
 * `npm run db` serving several clients at once (--max-connections): PGlite is one session, so
 * clients must take turns a whole exchange or transaction at a time (session-handoff.ts). Without
 * that, concurrent parameterised queries bind each other's statements and one client's BEGIN
 * encloses another's writes; here every answer is the asker's own and a rollback undoes only its
 * own transaction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startStandalonePostgres, type StandalonePostgres } from './support/standalone-postgres.ts';

describe('npm run db with several connections', { timeout: 90_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'levee-shared-db-'));
  let server: StandalonePostgres;
  const clients: pg.Client[] = [];
  before(async () => {
    server = await startStandalonePostgres(join(scratch, 'data'), { maxConnections: 4 });
    for (let index = 0; index < 4; index++) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      clients.push(client);
    }
    await clients[0]!.query('CREATE TABLE shared_rows (owner int NOT NULL, n int NOT NULL)');
  });
  after(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers each client its own parameterised queries while all run at once', async () => {
    // A 2 MB parameter arrives in several reads: unguarded, another client's Parse runs between
    // this client's Parse and Bind, and one of them binds the other's statement.
    const large = 'x'.repeat(2_000_000);
    const wrong: string[] = [];
    await Promise.all(
      clients.map(async (client, owner) => {
        for (let n = 0; n < 30; n++) {
          // Each client's own statement text: bound to another client's statement, the answer shows it.
          const [sql, value, expected] = owner === 0 ? [`SELECT ${owner} AS owner, length($1::text) AS n`, large, large.length] : [`SELECT ${owner} AS owner, $1::int AS n`, n, n];
          try {
            const { rows } = await client.query<{ owner: number; n: number }>(sql, [value]);
            if (rows[0]?.owner !== owner || rows[0]?.n !== expected) wrong.push(`client ${owner} got ${JSON.stringify(rows[0])}`);
          } catch (error) {
            wrong.push(`client ${owner}: ${String(error).slice(0, 80)}`);
          }
        }
      }),
    );
    assert.deepEqual(wrong.slice(0, 5), []);
  });

  it('keeps a transaction to its client: a rollback undoes its own writes only', async () => {
    const [first, second] = clients;
    await first!.query('BEGIN');
    await first!.query('INSERT INTO shared_rows VALUES ($1, $2)', [1, 1]);
    // The second client's write waits for the first's transaction, then lands on its own.
    const secondWrite = second!.query('INSERT INTO shared_rows VALUES ($1, $2)', [2, 1]);
    await first!.query('INSERT INTO shared_rows VALUES ($1, $2)', [1, 2]);
    await first!.query('ROLLBACK');
    await secondWrite;
    const { rows } = await clients[2]!.query<{ owner: number; n: number }>('SELECT owner, n FROM shared_rows ORDER BY owner, n');
    assert.deepEqual(rows, [{ owner: 2, n: 1 }]);
  });

  it('rolls back the open transaction of a client that disconnects, and serves the others', async () => {
    const leaving = new pg.Client({ connectionString: server.url });
    await clients[3]!.end();
    clients.pop();
    leaving.on('error', () => undefined); // the cut below is on purpose
    await leaving.connect();
    await leaving.query('BEGIN');
    await leaving.query('INSERT INTO shared_rows VALUES ($1, $2)', [9, 9]);
    const waiting = clients[0]!.query<{ count: string }>('SELECT count(*) FROM shared_rows WHERE owner = $1', [9]);
    leaving.connection.stream.destroy();
    assert.equal((await waiting).rows[0]?.count, '0');
  });
});
