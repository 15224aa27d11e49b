import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationMessage } from '../../capabilities/conversations/conversation-store.ts';
import { trimHistory } from './trim-history.ts';

const user = (n: number): ConversationMessage => ({ role: 'user', content: `u${n}` });
const assistant = (n: number): ConversationMessage => ({ role: 'assistant', content: `a${n}` });
const system: ConversationMessage = { role: 'system', content: 'be brief' };

describe('trimHistory', () => {
  it('keeps a history within the limit unchanged', () => {
    const messages = [system, user(1), assistant(1)];
    assert.deepEqual(trimHistory(messages, 20), messages);
  });

  it('keeps the last 20 of 25 messages with the system message first', () => {
    const turns = Array.from({ length: 24 }, (_, n) => (n % 2 === 0 ? user(n) : assistant(n)));
    const kept = trimHistory([system, ...turns], 20);
    assert.equal(kept.length, 20);
    assert.deepEqual(kept[0], system);
    assert.deepEqual(kept.slice(1), turns.slice(-19));
  });

  it('keeps the last messages when there is no system message', () => {
    const turns = Array.from({ length: 25 }, (_, n) => user(n));
    assert.deepEqual(trimHistory(turns, 20), turns.slice(-20));
  });

  it('never keeps tool replies without the assistant message that called them', () => {
    const call: ConversationMessage = { role: 'assistant', content: null, tool_calls: [{ id: 'c1' }, { id: 'c2' }] };
    const replies: ConversationMessage[] = [
      { role: 'tool', tool_call_id: 'c1', content: '1' },
      { role: 'tool', tool_call_id: 'c2', content: '2' },
    ];
    // The cut would fall between the call and its first reply: the whole exchange goes.
    const messages = [system, user(0), call, ...replies, assistant(1), user(2)];
    const kept = trimHistory(messages, 5);
    assert.deepEqual(kept, [system, assistant(1), user(2)]);
    assert.ok(kept.every((message) => message.role !== 'tool'));
  });

  it('keeps a tool exchange whole when the cut falls before it', () => {
    const call: ConversationMessage = { role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] };
    const reply: ConversationMessage = { role: 'tool', tool_call_id: 'c1', content: '1' };
    const messages = [system, user(0), assistant(0), user(1), call, reply, assistant(1)];
    assert.deepEqual(trimHistory(messages, 5), [system, user(1), call, reply, assistant(1)]);
  });
});
