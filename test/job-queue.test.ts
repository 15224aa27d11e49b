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
});
