import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryIdempotencyStore } from './memory-idempotency-store.ts';

const done = (body: string) => ({ state: 'done' as const, fingerprint: 'f', response: { status: 200, body: { text: body }, headers: {} } });

describe('MemoryIdempotencyStore', () => {
  it('holds records up to a byte budget, least recently used going first', async () => {
    const store = new MemoryIdempotencyStore(1_000, 10_000);
    for (let index = 0; index < 5; index += 1) await store.complete(`k${index}`, done('x'.repeat(3_000)), 60_000);
    assert.equal(store.find('k0'), undefined, 'the oldest went to keep the total under 10,000 bytes');
    assert.equal(store.find('k1'), undefined);
    assert.deepEqual(store.find('k4'), done('x'.repeat(3_000)));
  });

  it('keeps no record past the whole budget: its key is free again, as after an eviction', async () => {
    const store = new MemoryIdempotencyStore(1_000, 10_000);
    assert.deepEqual(await store.begin('big', 'f', 60_000), { acquired: true });
    await store.complete('big', done('x'.repeat(20_000)), 60_000);
    assert.equal(store.find('big'), undefined);
    assert.deepEqual(await store.begin('big', 'f', 60_000), { acquired: true });
  });
});
