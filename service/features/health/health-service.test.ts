import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { HealthCheck } from '../../capabilities/health/health-check.ts';
import { HealthService } from './health-service.ts';

const hanging: HealthCheck['check'] = () => new Promise(() => {});

describe('HealthService', () => {
  let health: HealthService;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    health = new HealthService({ checkTimeoutMs: 1_000, version: 'test' });
  });
  afterEach(() => {
    health.close();
    mock.timers.reset();
  });

  it('is ready only while serving', async () => {
    assert.equal((await health.readiness()).ready, false);
    health.markServing();
    assert.equal((await health.readiness()).ready, true);
    health.markDraining();
    health.markServing();
    assert.deepEqual(await health.readiness(), { ready: false, phase: 'draining', failing: [] });
  });

  it('a failing prerequisite makes it unready; a failing dependency only degrades it', async () => {
    health.markServing();
    health.register({ name: 'redis', kind: 'dependency', check: () => Promise.reject(new Error('ECONNREFUSED')) });
    const degraded = await health.detailed();
    assert.equal(degraded.ready, true);
    assert.equal(degraded.status, 'degraded');
    assert.equal(degraded.checks.redis?.status, 'down');
    assert.equal(degraded.checks.redis?.error, 'Error: ECONNREFUSED');

    health.register({ name: 'data_dir', kind: 'prerequisite', check: () => Promise.reject(new Error('read-only')) });
    assert.deepEqual(await health.readiness(), { ready: false, phase: 'serving', failing: ['data_dir'] });
  });

  it('gives up on a hanging check at its timeout and aborts its signal', async () => {
    health.markServing();
    let signal: AbortSignal | undefined;
    health.register({
      name: 'llm',
      kind: 'dependency',
      check: (given) => {
        signal = given;
        return hanging(given);
      },
    });
    const pending = health.detailed();
    mock.timers.tick(999);
    assert.equal(signal?.aborted, false);
    mock.timers.tick(1);
    assert.equal(signal?.aborted, true);
    const result = await pending;
    assert.equal(result.checks.llm?.status, 'down');
    assert.equal(result.checks.llm?.error, 'timed out after 1000 ms');
  });

  it('runs one check at a time however many probes ask', async () => {
    health.markServing();
    let runs = 0;
    health.register({
      name: 'postgres',
      kind: 'dependency',
      check: async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { pool_in_use: 1 };
      },
    });
    const probes = Promise.all([health.detailed(), health.detailed(), health.detailed()]);
    mock.timers.tick(50);
    const results = await probes;
    assert.equal(runs, 1);
    assert.equal(results[2].checks.postgres?.pool_in_use, 1);
  });
});
