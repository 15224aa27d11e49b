import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LISTED_IMPORT_ERRORS } from '../../capabilities/imports/import-store.ts';
import { readLines } from './import-lines.ts';
import { planImport } from './import-plan.ts';

const doc = (id: string, text = `text of ${id}`, extra: Record<string, unknown> = {}) => JSON.stringify({ id, text, ...extra });

/** The file's lines, read `pieceBytes` at a time as the worker reads them from the store. */
function linesOf(content: string | Buffer, pieceBytes = 7, span: { offset?: number; end?: number; firstLine?: number } = {}) {
  const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const read = async (offset: number, length: number) => buffer.subarray(offset, offset + length);
  return readLines(read, { offset: span.offset ?? 0, end: span.end ?? buffer.length, firstLine: span.firstLine ?? 1, pieceBytes });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('readLines', () => {
  it('numbers lines as the file does and places each by its bytes, across pieces and multi-byte characters', async () => {
    const content = 'ab\n\né€😀\r\nlast';
    const lines = await collect(linesOf(content, 3));
    assert.deepEqual(lines.map((line) => [line.line, line.text]), [[1, 'ab'], [2, ''], [3, 'é€😀\r'], [4, 'last']]);
    const bytes = Buffer.from(content);
    for (const line of lines) assert.equal(bytes.toString('utf8', line.start, line.end), line.text);
  });

  it('reads a span alone, numbering from its first line', async () => {
    const content = `${doc('a')}\n${doc('b')}\n${doc('c')}\n`;
    const all = await collect(linesOf(content));
    const span = await collect(linesOf(content, 1_000, { offset: all[1]!.start, end: all[2]!.end, firstLine: 2 }));
    assert.deepEqual(span.map((line) => [line.line, line.text]), [[2, doc('b')], [3, doc('c')]]);
  });
});

describe('planImport', () => {
  const limits = { chunkDocuments: 2, maxDocuments: 100 };

  it('cuts the documents into chunks by byte range, skipping blank lines', async () => {
    const content = [doc('a'), '', doc('b'), doc('c'), '   ', doc('d'), doc('e')].join('\n');
    const plan = await planImport(linesOf(content), limits);
    assert.ok(!('error' in plan));
    assert.equal(plan.total, 5);
    assert.equal(plan.failed, 0);
    assert.deepEqual(plan.chunks.map((chunk) => [chunk.chunk, chunk.lines]), [[0, [1, 3]], [1, [4, 6]], [2, [7]]]);
    const bytes = Buffer.from(content);
    assert.equal(bytes.toString('utf8', plan.chunks[1]!.byteStart, plan.chunks[1]!.byteEnd), [doc('c'), '   ', doc('d')].join('\n'));
  });

  it('lists bad lines with their line, code and param, counts them failed, and keeps the rest', async () => {
    const content = [
      doc('a'),
      'not json',
      JSON.stringify({ text: 'no id' }),
      doc('b', ''),
      doc('c', 'x'.repeat(32_001)),
      doc('a', 'again'),
      '[1, 2]',
      doc('d', 'ok', { metadata: { nested: { no: true } } }),
      doc('e', 'ok', { extra: 1 }),
      doc('f'),
    ].join('\n');
    const plan = await planImport(linesOf(content, 64), limits);
    assert.ok(!('error' in plan));
    assert.equal(plan.total, 10);
    assert.equal(plan.failed, 8);
    assert.deepEqual(plan.errors.map((error) => [error.line, error.code, error.param]), [
      [2, 'invalid_json_line', null],
      [3, 'invalid_document', 'id'],
      [4, 'invalid_document', 'text'],
      [5, 'invalid_document', 'text'],
      [6, 'duplicate_id', 'id'],
      [7, 'invalid_document', null],
      [8, 'invalid_document', 'metadata.nested'],
      [9, 'invalid_document', 'extra'],
    ]);
    assert.match(plan.errors[4]!.message, /already on line 1/);
    assert.deepEqual(plan.chunks.map((chunk) => chunk.lines), [[1, 10]]);
  });

  it(`lists at most ${MAX_LISTED_IMPORT_ERRORS} bad lines but counts them all`, async () => {
    const content = [...Array.from({ length: 150 }, () => '{'), doc('a')].join('\n');
    const plan = await planImport(linesOf(content, 4_096), { ...limits, maxDocuments: 1_000 });
    assert.ok(!('error' in plan));
    assert.equal(plan.errors.length, MAX_LISTED_IMPORT_ERRORS);
    assert.equal(plan.failed, 150);
    assert.equal(plan.total, 151);
  });

  it('fails a file with more documents than the limit, or none', async () => {
    const many = Array.from({ length: 101 }, (_, index) => doc(`id-${index}`)).join('\n');
    const tooMany = await planImport(linesOf(many, 4_096), limits);
    assert.ok('error' in tooMany && tooMany.error.code === 'too_many_documents');
    const empty = await planImport(linesOf('\n \n'), limits);
    assert.ok('error' in empty && empty.error.code === 'empty_file');
  });
});
