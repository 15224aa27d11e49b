import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { createMetrics } from '../../telemetry/metrics.ts';
import { TieredCache } from './tiered-cache.ts';

const T0 = 1_700_000_000_000;

describe('TieredCache (memory only)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: T0 }));
  afterEach(() => mock.timers.reset());

  const cache = (memory = { maxEntries: 100, maxBytes: 1_000_000 }) =>
    new TieredCache({ name: 'search', ttlMs: 1_000, graceMs: 500, memory, metrics: createMetrics() });

  it('keeps an entry fresh for its TTL, then stale for its grace, then drops it', async () => {
    const search = cache();
    await search.set('k', { hits: [1, 2] });
    const entry = await search.get<{ hits: number[] }>('k');
    assert.deepEqual(entry, { value: { hits: [1, 2] }, storedAt: T0, freshUntil: T0 + 1_000, staleUntil: T0 + 1_500 });
    mock.timers.tick(1_200);
    assert.equal((await search.get('k'))?.freshUntil, T0 + 1_000, 'expired but within grace: still there');
    mock.timers.tick(300);
    assert.equal(await search.get('k'), undefined);
    mock.timers.tick(1);
    assert.equal(await search.get('k'), undefined);
    assert.equal(search.stats().entries, 0, 'keyv drops it on the read after it expired');
  });

  it('deletes', async () => {
    const search = cache();
    await search.set('k', 1);
    await search.delete('k');
    assert.equal(await search.get('k'), undefined);
  });

  it('evicts past its entry bound and counts it', async () => {
    const metrics = createMetrics();
    const search = new TieredCache({ name: 'chat', ttlMs: 1_000, graceMs: 0, memory: { maxEntries: 3, maxBytes: 1_000_000 }, metrics });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await search.set(key, key);
    assert.equal(search.stats().entries, 3);
    assert.equal(search.stats().evictions, 2);
    assert.equal(await search.get('a'), undefined);
    assert.equal((await search.get('e'))?.value, 'e');
    const evictions = (await metrics.cacheEvictions.get()).values.find((sample) => sample.labels.cache === 'chat');
    assert.equal(evictions?.value, 2);
    assert.deepEqual(search.stats().tiers, ['memory']);
  });
});
