/**
 * The job queue (pg-boss) over Levee's embedded Postgres, through the Postgres dependency's
 * policies: every job runs once when nothing fails, a failing job is retried, a stopped queue lets
 * its running job finish, and counts report what waits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PgBossJobQueue } from '../service/capabilities/jobs/pg-boss-job-queue.ts';
import { loadConfig } from '../service/config.ts';
import { createPostgresDependency } from '../service/deps/postgres/create-postgres.ts';
import type { PostgresDependency } from '../service/deps/postgres/postgres-dependency.ts';
import { createLogger } from '../service/telemetry/logger.ts';
import { createMetrics } from '../service/telemetry/metrics.ts';
import { waitFor } from './support/wait-for.ts';

const DEFINITION = { retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 60 };

describe('job queue on the embedded Postgres', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'levee-jobs-'));
  const config = loadConfig({ DATA_DIR: dataDir, JOB_POLL_INTERVAL_MS: '500' });
  const logger = createLogger({ level: 'silent' });
  let postgres: PostgresDependency;
  let queue: PgBossJobQueue;
  before(() => {
    postgres = createPostgresDependency({ databaseUrl: undefined, config: config.postgres, metrics: createMetrics(), logger });
    queue = new PgBossJobQueue({ postgres, config: config.jobs, logger });
  });
  after(async () => {
    await queue?.stop(1_000);
    await postgres?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every job once, concurrently, and counts what waits', async () => {
    await queue.define('echo', DEFINITION);
    for (let index = 0; index < 20; index++) await queue.send('echo', { index });
    const counts = await queue.counts(new AbortController().signal);
    assert.equal(counts.find((count) => count.queue === 'echo')?.queued, 20);
    const seen: number[] = [];
    let running = 0;
    let peak = 0;
    await queue.work<{ index: number }>('echo', { concurrency: 4 }, async (job) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(job.data.index);
      running -= 1;
    });
    await waitFor(() => (seen.length >= 20 ? true : undefined), { timeoutMs: 30_000, what: () => `20 jobs (ran ${seen.length})` });
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 20 }, (_, index) => index));
    assert.ok(peak <= 4, `at most 4 at once, saw ${peak}`);
  });

  it('retries a job whose handler throws', async () => {
    await queue.define('flaky', DEFINITION);
    const attempts: string[] = [];
    await queue.work<{ name: string }>('flaky', { concurrency: 1 }, async (job) => {
      attempts.push(job.id);
      if (attempts.length === 1) throw new Error('transient');
    });
    const id = await queue.send('flaky', { name: 'once' });
    await waitFor(() => (attempts.length >= 2 ? true : undefined), { timeoutMs: 30_000, what: () => 'the retry' });
    assert.deepEqual(attempts, [id, id]);
  });

  it('adds a keyed job once, even sent again after it ran', async () => {
    await queue.define('keyed', DEFINITION);
    const runs: string[] = [];
    await queue.work<{ n: number }>('keyed', { concurrency: 1 }, async (job) => {
      runs.push(job.id);
    });
    const first = await queue.send('keyed', { n: 1 }, { key: 'batch_1:0' });
    assert.equal(await queue.send('keyed', { n: 2 }, { key: 'batch_1:0' }), first);
    await waitFor(() => (runs.length >= 1 ? true : undefined), { timeoutMs: 30_000, what: () => 'the keyed job' });
    assert.equal(await queue.send('keyed', { n: 3 }, { key: 'batch_1:0' }), first);
    const other = await queue.send('keyed', { n: 4 }, { key: 'batch_1:1' });
    assert.notEqual(other, first);
    await waitFor(() => (runs.length >= 2 ? true : undefined), { timeoutMs: 30_000, what: () => 'the second key' });
    // A duplicate would be waiting, running or run by now: nothing waits, nothing runs, two ran.
    await waitFor(async () => {
      const keyed = (await queue.counts(new AbortController().signal)).find((count) => count.queue === 'keyed');
      return keyed?.queued === 0 && keyed.active === 0 ? true : undefined;
    }, { timeoutMs: 10_000, what: () => 'the keyed queue to settle' });
    assert.deepEqual(runs, [first, other]);
  });

  it('gets back a connection that a failed script with its own BEGIN left in a transaction', async () => {
    // pg-boss sends such scripts; the embedded store has one connection, which must not stay broken.
    const signal = new AbortController().signal;
    await assert.rejects(postgres.query('jobs', (client) => client.query('BEGIN; SELECT 1 / 0; COMMIT;'), signal), /division by zero/);
    const { rows } = await postgres.query('jobs', (client) => client.query<{ one: number }>('SELECT 1 AS one'), signal);
    assert.equal(rows[0]?.one, 1);
  });
});
