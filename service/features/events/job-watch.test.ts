import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { LocalJobNotices } from '../../capabilities/job-notices/local-job-notices.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { JobWatch, type JobObject } from './job-watch.ts';

const POLL_MS = 1_000;

/** A store of jobs the test changes at will; counts every read. */
function fakeJobs() {
  const jobs = new Map<string, JobObject & { owner: string }>();
  let reads = 0;
  return {
    set(owner: string, id: string, status: string, completed = 0) {
      jobs.set(id, { id, owner, object: 'batch', status, request_counts: { completed } });
    },
    reads: () => reads,
    reader: {
      read: async (owner: string, id: string) => {
        reads += 1;
        const job = jobs.get(id);
        return job && job.owner === owner ? { ...job } : undefined;
      },
      active: async (owner: string) => [...jobs.values()].filter((job) => job.owner === owner && !['completed', 'failed'].includes(job.status)),
    },
  };
}

/** Lets the watch's pending reads settle. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('JobWatch', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  const start = () => {
    const jobs = fakeJobs();
    const notices = new LocalJobNotices();
    const watch = new JobWatch({ reader: jobs.reader, notices, pollIntervalMs: POLL_MS, logger: createLogger({ level: 'silent' }) });
    return { jobs, notices, watch };
  };

  it('sends the current state at once, then only changes, each poll', async () => {
    const { jobs, watch } = start();
    jobs.set('alice', 'batch_1', 'in_progress', 1);
    const seen: string[] = [];
    watch.follow('alice', 'batch_1', (job) => seen.push(`${job.status}:${(job.request_counts as { completed: number }).completed}`));
    await settle();
    assert.deepEqual(seen, ['in_progress:1']);
    mock.timers.tick(POLL_MS);
    await settle();
    assert.deepEqual(seen, ['in_progress:1'], 'nothing changed: nothing sent');
    jobs.set('alice', 'batch_1', 'in_progress', 5);
    mock.timers.tick(POLL_MS);
    await settle();
    assert.deepEqual(seen, ['in_progress:1', 'in_progress:5']);
    watch.close();
  });

  it('reads at once on a notice, but a burst of notices at most every 250 ms', async () => {
    const { jobs, notices, watch } = start();
    jobs.set('alice', 'batch_1', 'in_progress', 0);
    const seen: number[] = [];
    watch.follow('alice', 'batch_1', (job) => seen.push((job.request_counts as { completed: number }).completed));
    await settle();
    const readsBefore = jobs.reads();
    for (let completed = 1; completed <= 20; completed++) {
      jobs.set('alice', 'batch_1', 'in_progress', completed);
      notices.publish('batch_1');
      mock.timers.tick(10);
      await settle();
    }
    // 200 ms of notices: at most one read in them, one more when the 250 ms have passed.
    mock.timers.tick(250);
    await settle();
    assert.ok(jobs.reads() - readsBefore <= 2, `${jobs.reads() - readsBefore} reads for 20 notices`);
    assert.equal(seen.at(-1), 20, 'the last state arrives');
    watch.close();
  });

  it('stops following a job once its final state was sent', async () => {
    const { jobs, watch } = start();
    jobs.set('alice', 'batch_1', 'in_progress');
    const seen: string[] = [];
    watch.follow('alice', 'batch_1', (job) => seen.push(job.status));
    await settle();
    jobs.set('alice', 'batch_1', 'completed');
    mock.timers.tick(POLL_MS);
    await settle();
    assert.deepEqual(seen, ['in_progress', 'completed']);
    assert.equal(watch.size, 0);
    watch.close();
  });

  it("follows an owner's jobs started later, and never another owner's", async () => {
    const { jobs, watch } = start();
    const seen: string[] = [];
    watch.followAll('alice', (job) => seen.push(job.id));
    await settle();
    jobs.set('alice', 'batch_new', 'validating');
    jobs.set('bob', 'batch_bob', 'validating');
    mock.timers.tick(POLL_MS);
    await settle();
    assert.deepEqual(seen, ['batch_new']);
    watch.close();
  });
});
