import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryConversationStore } from './memory-conversation-store.ts';

const limits = { ttlMs: 60_000, maxMessages: 20, maxLocalConversations: 1_000 };
const turn = (text: string) => [{ role: 'user', content: text }];

describe('MemoryConversationStore', () => {
  it('holds conversations up to a byte budget, least recently used going first', async () => {
    const store = new MemoryConversationStore(limits, 10_000);
    for (let index = 0; index < 5; index += 1) await store.save('client', `c${index}`, turn('x'.repeat(3_000)));
    assert.equal(await store.load('client', 'c0'), undefined, 'the oldest went to keep the total under 10,000 bytes');
    assert.deepEqual(await store.load('client', 'c4'), turn('x'.repeat(3_000)));
  });

  it('keeps no conversation past the whole budget', async () => {
    const store = new MemoryConversationStore(limits, 10_000);
    await store.save('client', 'huge', turn('x'.repeat(20_000)));
    assert.equal(await store.load('client', 'huge'), undefined);
  });
});
