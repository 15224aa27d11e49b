import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeveeError } from '../../errors.ts';
import { FileUpload } from './file-upload.ts';

/** Asserts `step` throws a LeveeError with this status, code and param. */
function refuses(step: () => unknown, status: number, param: string | undefined): void {
  assert.throws(step, (error: unknown) => {
    assert.ok(error instanceof LeveeError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.code, status === 413 ? 'payload_too_large' : 'invalid_request');
    assert.equal(error.param, param);
    return true;
  });
}

function fileThenPurpose(upload: FileUpload, chunks: Buffer[], purpose = 'batch'): void {
  upload.startFile('file', 'in.jsonl');
  for (const chunk of chunks) upload.append(chunk);
  upload.endFile();
  upload.field('purpose', purpose);
}

describe('FileUpload', () => {
  it('assembles the file from its chunks, with the purpose in either order', () => {
    const first = new FileUpload(100);
    fileThenPurpose(first, [Buffer.from('{"a":1}\n'), Buffer.from('{"b":2}\n')]);
    assert.deepEqual(first.finish(), { filename: 'in.jsonl', purpose: 'batch', content: Buffer.from('{"a":1}\n{"b":2}\n'), expiresAfterSeconds: undefined });

    const second = new FileUpload(100);
    second.field('purpose', 'user_data');
    second.startFile('file', undefined);
    second.append(Buffer.from('x'));
    second.endFile();
    assert.deepEqual(second.finish(), { filename: 'upload', purpose: 'user_data', content: Buffer.from('x'), expiresAfterSeconds: undefined });
  });

  it('accepts exactly FILE_MAX_BYTES and refuses the byte past it, at the chunk that crosses it', () => {
    const exact = new FileUpload(10);
    fileThenPurpose(exact, [Buffer.alloc(4), Buffer.alloc(6)]);
    assert.equal(exact.finish().content.length, 10);

    const over = new FileUpload(10);
    over.startFile('file', 'big.bin');
    over.append(Buffer.alloc(6));
    refuses(() => over.append(Buffer.alloc(5)), 413, 'file');
  });

  it('refuses a bad purpose as soon as it is seen, before the file', () => {
    const upload = new FileUpload(10);
    refuses(() => upload.field('purpose', 'homework'), 400, 'purpose');
    refuses(() => new FileUpload(10).field('purpose', 'batch_output'), 400, 'purpose');
  });

  it('names what is missing: the file, the purpose, or any content at all', () => {
    const noFile = new FileUpload(10);
    noFile.field('purpose', 'batch');
    refuses(() => noFile.finish(), 400, 'file');

    const noPurpose = new FileUpload(10);
    noPurpose.startFile('file', 'a');
    noPurpose.append(Buffer.from('x'));
    noPurpose.endFile();
    refuses(() => noPurpose.finish(), 400, 'purpose');

    const empty = new FileUpload(10);
    fileThenPurpose(empty, []);
    refuses(() => empty.finish(), 400, 'file');

    const unfinished = new FileUpload(10);
    unfinished.startFile('file', 'a');
    unfinished.append(Buffer.from('x'));
    unfinished.field('purpose', 'batch');
    refuses(() => unfinished.finish(), 400, 'file');
  });

  it('takes one file, in the part named file, and no unknown fields', () => {
    const twice = new FileUpload(10);
    twice.startFile('file', 'a');
    refuses(() => twice.startFile('file', 'b'), 400, 'file');
    refuses(() => new FileUpload(10).startFile('document', 'a'), 400, 'document');
    refuses(() => new FileUpload(10).field('file', 'just text'), 400, 'file');
    refuses(() => new FileUpload(10).field('colour', 'red'), 400, 'colour');
  });

  it("takes OpenAI's expires_after, both fields or neither", () => {
    const upload = new FileUpload(10);
    fileThenPurpose(upload, [Buffer.from('x')]);
    upload.field('expires_after[anchor]', 'created_at');
    upload.field('expires_after[seconds]', '7200');
    assert.equal(upload.finish().expiresAfterSeconds, 7200);

    refuses(() => new FileUpload(10).field('expires_after[anchor]', 'last_active_at'), 400, 'expires_after.anchor');
    for (const seconds of ['3599', '2592001', '1e4', '-5', '']) refuses(() => new FileUpload(10).field('expires_after[seconds]', seconds), 400, 'expires_after.seconds');

    const anchorOnly = new FileUpload(10);
    fileThenPurpose(anchorOnly, [Buffer.from('x')]);
    anchorOnly.field('expires_after[anchor]', 'created_at');
    refuses(() => anchorOnly.finish(), 400, 'expires_after.seconds');

    const secondsOnly = new FileUpload(10);
    fileThenPurpose(secondsOnly, [Buffer.from('x')]);
    secondsOnly.field('expires_after[seconds]', '3600');
    refuses(() => secondsOnly.finish(), 400, 'expires_after.anchor');
  });
});
