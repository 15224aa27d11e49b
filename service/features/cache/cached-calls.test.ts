import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { waitFor } from '../../../test/support/wait-for.ts';
import { TieredCache } from '../../capabilities/cache/tiered-cache.ts';
import { createMetrics, type Metrics } from '../../telemetry/metrics.ts';
import { CachedCalls } from './cached-calls.ts';

const T0 = 1_700_000_000_000;
const TTL = 1_000;
const GRACE = 500;

async function requests(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.cacheRequests.get();
  return Object.fromEntries(values.filter((sample) => sample.labels.cache === 'search').map((sample) => [sample.labels.result, sample.value]));
}

describe('CachedCalls', () => {
  let metrics: Metrics;
  let calls: CachedCalls;
  let loads: number;
  const load = <T>(value: T) => async (): Promise<T> => {
    loads += 1;
    return value;
  };
  const failing = async () => {
    loads += 1;
    throw new Error('upstream down');
  };

  beforeEach(() => {
    mock.timers.enable({ apis: ['Date'], now: T0 });
    metrics = createMetrics();
    calls = new CachedCalls(new TieredCache({ name: 'search', ttlMs: TTL, graceMs: GRACE, memory: { maxEntries: 100, maxBytes: 1_000_000 }, metrics }), metrics);
    loads = 0;
  });
  afterEach(() => mock.timers.reset());

  it('misses, then hits while fresh, then loads again once expired', async () => {
    assert.deepEqual(await calls.run({ key: 'k', mode: 'normal', load: load('a') }), { value: 'a', status: 'MISS' });
    mock.timers.tick(TTL - 1);
    assert.deepEqual(await calls.run({ key: 'k', mode: 'normal', load: load('b') }), { value: 'a', status: 'HIT' });
    mock.timers.tick(1);
    assert.deepEqual(await calls.run({ key: 'k', mode: 'normal', load: load('c') }), { value: 'c', status: 'MISS' });
    assert.equal(loads, 2);
    assert.deepEqual(await requests(metrics), { hit: 1, miss: 2, stale: 0, error: 0, bypass: 0 });
  });

  it('makes one upstream call for 50 concurrent identical misses', async () => {
    let release!: (value: string) => void;
    const slow = () => {
      loads += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const runs = Array.from({ length: 50 }, () => calls.run({ key: 'same', mode: 'normal', load: slow }));
    await waitFor(() => loads > 0, { timeoutMs: 1_000, intervalMs: 1, what: 'the shared load to start' });
    release('shared');
    const outcomes = await Promise.all(runs);
    assert.equal(loads, 1);
    assert.ok(outcomes.every((outcome) => outcome.value === 'shared' && outcome.status === 'MISS'));
    assert.equal(calls.stats().singleflight_joins, 49);
    assert.equal((await metrics.cacheSingleflightJoins.get()).values[0]?.value, 49);
    assert.deepEqual(await calls.run({ key: 'same', mode: 'normal', load: load('x') }), { value: 'shared', status: 'HIT' });
  });

  it('serves an expired entry within its grace as STALE when the load fails, and rethrows after', async () => {
    await calls.run({ key: 'k', mode: 'normal', load: load('old') });
    mock.timers.tick(TTL + GRACE - 1);
    assert.deepEqual(await calls.run({ key: 'k', mode: 'normal', load: failing }), { value: 'old', status: 'STALE' });
    mock.timers.tick(1);
    await assert.rejects(calls.run({ key: 'k', mode: 'normal', load: failing }), /upstream down/);
    assert.deepEqual(await requests(metrics), { hit: 0, miss: 1, stale: 1, error: 1, bypass: 0 });
  });

  it('never caches an error', async () => {
    await assert.rejects(calls.run({ key: 'k', mode: 'normal', load: failing }), /upstream down/);
    assert.equal(await calls.cache.get('k'), undefined);
    assert.deepEqual(await calls.run({ key: 'k', mode: 'normal', load: load('ok') }), { value: 'ok', status: 'MISS' });
    assert.equal(loads, 2);
  });

  it('refresh skips a fresh entry, loads and stores; and falls back to the entry if the load fails', async () => {
    await calls.run({ key: 'k', mode: 'normal', load: load('v1') });
    assert.deepEqual(await calls.run({ key: 'k', mode: 'refresh', load: load('v2') }), { value: 'v2', status: 'MISS' });
    assert.deepEqual(await calls.run({ key: 'k', mode: 'normal', load: load('v3') }), { value: 'v2', status: 'HIT' });
    assert.deepEqual(await calls.run({ key: 'k', mode: 'refresh', load: failing }), { value: 'v2', status: 'STALE' });
  });

  it('bypass neither reads nor writes', async () => {
    await calls.run({ key: 'k', mode: 'normal', load: load('cached') });
    assert.deepEqual(await calls.run({ key: 'k', mode: 'bypass', load: load('direct') }), { value: 'direct', status: 'MISS' });
    assert.deepEqual(await calls.run({ key: 'other', mode: 'bypass', load: load('direct') }), { value: 'direct', status: 'MISS' });
    assert.equal(await calls.cache.get('other'), undefined);
    assert.equal((await calls.cache.get('k'))?.value, 'cached');
    assert.equal((await requests(metrics)).bypass, 2);
  });

  it('does not store what storable refuses', async () => {
    const storable = (value: { finish: string }) => value.finish === 'stop';
    await calls.run({ key: 'k', mode: 'normal', load: load({ finish: 'length' }), storable });
    assert.equal(await calls.cache.get('k'), undefined);
    await calls.run({ key: 'k', mode: 'normal', load: load({ finish: 'stop' }), storable });
    assert.deepEqual((await calls.cache.get('k'))?.value, { finish: 'stop' });
  });

  it('always loads when the TTL is 0 (cache off)', async () => {
    const off = new CachedCalls(new TieredCache({ name: 'chat', ttlMs: 0, graceMs: GRACE, memory: { maxEntries: 10, maxBytes: 10_000 }, metrics }), metrics);
    assert.equal(off.enabled, false);
    await off.run({ key: 'k', mode: 'normal', load: load(1) });
    assert.deepEqual(await off.run({ key: 'k', mode: 'normal', load: load(2) }), { value: 2, status: 'MISS' });
    assert.equal(loads, 2);
    assert.equal(off.stats().bypassed, 2);
  });
});
