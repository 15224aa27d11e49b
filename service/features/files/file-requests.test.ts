import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeveeError } from '../../errors.ts';
import { cleanFilename, MAX_FILENAME_CHARACTERS, parseFileId, parseListQuery, parseUploadPurpose, UPLOAD_PURPOSES } from './file-requests.ts';

function refusal(step: () => unknown): { status: number; param: string | undefined } {
  try {
    step();
  } catch (error) {
    assert.ok(error instanceof LeveeError, String(error));
    return { status: error.status, param: error.param };
  }
  assert.fail('expected a refusal');
}

describe('Files API requests', () => {
  it("takes OpenAI's upload purposes, and not the ones Levee writes itself", () => {
    assert.deepEqual([...UPLOAD_PURPOSES].sort(), ['assistants', 'batch', 'evals', 'fine-tune', 'user_data', 'vision']);
    for (const purpose of UPLOAD_PURPOSES) assert.equal(parseUploadPurpose(purpose), purpose);
    for (const purpose of ['batch_output', 'Batch', '', 'batch ']) assert.deepEqual(refusal(() => parseUploadPurpose(purpose)), { status: 400, param: 'purpose' });
  });

  it("lists with OpenAI's defaults: up to 10,000, newest first", () => {
    assert.deepEqual(parseListQuery({}), { purpose: undefined, limit: 10_000, order: 'desc', after: undefined });
    assert.deepEqual(parseListQuery({ purpose: 'batch_output', limit: '1', order: 'asc', after: 'file-x' }), { purpose: 'batch_output', limit: 1, order: 'asc', after: 'file-x' });
    assert.equal(parseListQuery({ limit: '10000' }).limit, 10_000);
  });

  it('names the list parameter at fault', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ limit: '0' }, 'limit'],
      [{ limit: '10001' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ limit: ['1', '2'] }, 'limit'],
      [{ order: 'newest' }, 'order'],
      [{ purpose: 'homework' }, 'purpose'],
      [{ after: '' }, 'after'],
    ];
    for (const [query, param] of cases) assert.deepEqual(refusal(() => parseListQuery(query)), { status: 400, param }, JSON.stringify(query));
  });

  it('answers 404, never 400, for a path that cannot name a file', () => {
    const id = `file-${'0'.repeat(32)}`;
    assert.equal(parseFileId(id), id);
    for (const bad of ['file-abc', `file-${'G'.repeat(32)}`, '../etc/passwd', '', `${id}x`]) assert.deepEqual(refusal(() => parseFileId(bad)), { status: 404, param: undefined });
  });

  it('keeps filenames printable and bounded', () => {
    assert.equal(cleanFilename('requests.jsonl'), 'requests.jsonl');
    assert.equal(cleanFilename('a\u0000b\r\nc\t.jsonl'), 'abc.jsonl');
    assert.equal(cleanFilename(undefined), 'upload');
    assert.equal(cleanFilename(' \u0007 '), 'upload');
    assert.equal([...cleanFilename('é'.repeat(MAX_FILENAME_CHARACTERS + 10))].length, MAX_FILENAME_CHARACTERS);
    assert.ok(cleanFilename(`${'x'.repeat(MAX_FILENAME_CHARACTERS - 1)}😀`).isWellFormed());
  });
});
