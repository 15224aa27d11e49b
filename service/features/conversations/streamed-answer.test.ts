import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamedAnswer } from './streamed-answer.ts';

const chunk = (delta: Record<string, unknown>) => JSON.stringify({ choices: [{ index: 0, delta }] });

describe('StreamedAnswer', () => {
  it('joins content deltas and ignores usage chunks and junk', () => {
    const answer = new StreamedAnswer();
    for (const data of [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), JSON.stringify({ choices: [], usage: {} }), 'not json']) {
      answer.add(data);
    }
    assert.deepEqual(answer.message(), { role: 'assistant', content: 'Hello' });
  });

  it('merges tool-call deltas by index', () => {
    const answer = new StreamedAnswer();
    answer.add(chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] }));
    answer.add(chunk({ tool_calls: [{ index: 1, id: 'c2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }));
    answer.add(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] }));
    assert.deepEqual(answer.message(), {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        { id: 'c2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
  });
});
