/**
 * The in-process tier holds its memory bound: 100k distinct entries of about 1 KB never take it
 * past its byte bound; the LRU evicts, and the evictions are counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TieredCache } from '../service/capabilities/cache/tiered-cache.ts';
import { cacheKey } from '../service/features/cache/cache-key.ts';
import { createMetrics } from '../service/telemetry/metrics.ts';

const MAX_BYTES = 4 * 1024 * 1024;
const ENTRIES = 100_000;

describe('cache memory bound', () => {
  it(`keeps ${ENTRIES} distinct ~1 KB entries within ${MAX_BYTES} bytes`, async () => {
    const metrics = createMetrics();
    const cache = new TieredCache({ name: 'embeddings', ttlMs: 3_600_000, graceMs: 600_000, memory: { maxEntries: 1_000_000, maxBytes: MAX_BYTES }, metrics });
    const payload = 'x'.repeat(1_000);
    let peak = 0;
    for (let index = 0; index < ENTRIES; index += 1) {
      await cache.set(cacheKey({ index }), { index, payload });
      if ((index + 1) % 1_000 === 0) {
        const size = cache.memory.lru.calculatedSize;
        assert.ok(size <= MAX_BYTES, `after ${index + 1} sets: ${size} > ${MAX_BYTES}`);
        peak = Math.max(peak, size);
      }
    }
    const stats = cache.stats();
    assert.ok(peak > MAX_BYTES * 0.9, `the bound is used, not undershot (${peak})`);
    assert.ok(stats.entries < 4_200 && stats.entries > 3_500, `about 4 MiB / 1 KB entries kept (${stats.entries})`);
    assert.equal(stats.evictions, ENTRIES - stats.entries);
    assert.equal((await metrics.cacheEvictions.get()).values.find((sample) => sample.labels.cache === 'embeddings')?.value, stats.evictions);
    assert.equal((await metrics.cacheBytes.get()).values.find((sample) => sample.labels.cache === 'embeddings')?.value, stats.bytes);
    assert.equal((await cache.get<{ index: number }>(cacheKey({ index: ENTRIES - 1 })))?.value.index, ENTRIES - 1, 'the newest is kept');
    assert.equal(await cache.get(cacheKey({ index: 0 })), undefined, 'the oldest was evicted');
  });
});
