import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BATCH_LINES, readBatchInput } from './batch-input.ts';

const line = (customId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [] }, ...extra });

describe('readBatchInput', () => {
  it('reads requests in file order, numbering lines as the file does and skipping blank ones', () => {
    const result = readBatchInput(`${line('a')}\n\n${line('b')}\n`, '/v1/chat/completions');
    assert.ok('lines' in result);
    assert.deepEqual(result.lines.map((each) => [each.line, each.customId]), [[1, 'a'], [3, 'b']]);
  });

  it('lists every problem with its line and code', () => {
    const content = [line('a'), 'not json', line('b', { method: 'GET' }), line('c', { url: '/v1/embeddings' }), line('a'), JSON.stringify({ method: 'POST' })].join('\n');
    const result = readBatchInput(content, '/v1/chat/completions');
    assert.ok('errors' in result);
    assert.deepEqual(result.errors.map((error) => [error.line, error.code]), [
      [2, 'invalid_json_line'],
      [3, 'invalid_method'],
      [4, 'mismatched_url'],
      [5, 'duplicate_custom_id'],
      [6, 'missing_custom_id'],
    ]);
  });

  it(`refuses more than ${MAX_BATCH_LINES} requests, and an empty file`, () => {
    const many = Array.from({ length: MAX_BATCH_LINES + 1 }, (_, index) => line(`id-${index}`)).join('\n');
    const result = readBatchInput(many, '/v1/chat/completions');
    assert.ok('errors' in result && result.errors[0]!.code === 'too_many_tasks');
    const empty = readBatchInput('\n\n', '/v1/chat/completions');
    assert.ok('errors' in empty && empty.errors[0]!.code === 'empty_file');
  });
});
