/**
 * multipart/form-data uploads for POST /v1/files: a valid upload (its file name carries the tag),
 * or one with its framing or parts gone wrong: no or a wrong boundary, a truncated body, LF line
 * ends, parts without names, repeated or unknown fields, too many parts, a file past
 * FILE_MAX_BYTES, hostile file names and purposes.
 */
import fc from 'fast-check';
import { TAG } from './fuzz-request.ts';
import { hostileHeaderValue, hostileString } from './hostile-values.ts';

type Part = { name: string; value: string } | { name: string; filename: string; content: Buffer; headers?: string };

const BOUNDARY = 'fuzz-boundary-7MA4YWxkTrZu0gW';

const fileContent = (maxBytes: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(Buffer.from('{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}\n')) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
    { weight: 1, arbitrary: fc.integer({ min: maxBytes - 2, max: maxBytes + 4_096 }).map((size) => Buffer.alloc(size, 'x')) },
  );

const filename = fc.oneof(
  { weight: 6, arbitrary: fc.constant(`${TAG}.jsonl`) },
  { weight: 3, arbitrary: hostileString.map((value) => `${TAG}${value.replace(/["\r\n]/g, '').slice(0, 2_000)}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '../../etc/passwd', 'C:\\evil.jsonl', '\u0000.jsonl', 'a"b.jsonl') },
);

const purpose = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('batch', 'user_data', 'assistants', 'fine-tune', 'vision', 'evals') }, { weight: 2, arbitrary: fc.constantFrom('batch_output', 'homework', '', 'BATCH') }, { weight: 1, arbitrary: hostileHeaderValue });

function parts(maxBytes: number): fc.Arbitrary<Part[]> {
  const file = fc.record({ name: fc.constant('file'), filename, content: fileContent(maxBytes) });
  const extra = fc.oneof(
      fc.record({ name: fc.constantFrom('expires_after[anchor]', 'expires_after[seconds]', 'purpose', 'colour', ''), value: fc.oneof(fc.constantFrom('created_at', '3600', '60', '2592001', 'batch'), hostileString.map((value) => value.slice(0, 2_000))) }),
      fc.record({ name: fc.constantFrom('file', 'other'), filename, content: fileContent(maxBytes), headers: fc.constantFrom('Content-Type: application/jsonl\r\n', 'Content-Transfer-Encoding: base64\r\n', '') }),
  );
  // Usually none: most uploads should be valid but for one thing, so the checks past the parts run.
  const extras = fc.oneof({ weight: 3, arbitrary: fc.constant([] as Part[]) }, { weight: 1, arbitrary: fc.array(extra, { minLength: 1, maxLength: 3 }) });
  return fc.tuple(file, purpose, extras, fc.nat()).map(([filePart, purposeValue, more, order]) => {
    const list: Part[] = [filePart, { name: 'purpose', value: purposeValue }, ...more];
    // Any order: a purpose after the file must be checked as well as one before it.
    const first = list.splice(order % list.length, 1);
    return [...first, ...list];
  });
}

function encode(list: Part[], boundary: string, lineEnd: string): Buffer {
  const pieces: Buffer[] = [];
  for (const part of list) {
    const disposition = part.name === '' ? 'form-data' : `form-data; name="${part.name}"`;
    if ('filename' in part) {
      pieces.push(Buffer.from(`--${boundary}${lineEnd}Content-Disposition: ${disposition}; filename="${part.filename}"${lineEnd}${part.headers ?? ''}${lineEnd}`), part.content, Buffer.from(lineEnd));
    } else {
      pieces.push(Buffer.from(`--${boundary}${lineEnd}Content-Disposition: ${disposition}${lineEnd}${lineEnd}${part.value}${lineEnd}`));
    }
  }
  pieces.push(Buffer.from(`--${boundary}--${lineEnd}`));
  return Buffer.concat(pieces);
}

type Damage = 'none' | 'truncate' | 'lf-only' | 'no-boundary-param' | 'other-boundary' | 'quoted-boundary' | 'long-boundary' | 'many-parts' | 'garbage';

const damage = fc.oneof(
  { weight: 14, arbitrary: fc.constant<Damage>('none') },
  { weight: 1, arbitrary: fc.constantFrom<Damage>('truncate', 'lf-only', 'no-boundary-param', 'other-boundary', 'quoted-boundary', 'long-boundary', 'many-parts', 'garbage') },
);

/** A multipart body and its Content-Type; `maxBytes` is the server's FILE_MAX_BYTES. */
export function multipartUpload(maxBytes: number): fc.Arbitrary<{ contentType: string; body: Buffer }> {
  return fc.tuple(parts(maxBytes), damage, fc.nat()).map(([list, how, cut]) => {
    const type = `multipart/form-data; boundary=${BOUNDARY}`;
    const body = encode(list, BOUNDARY, '\r\n');
    switch (how) {
      case 'none':
        return { contentType: type, body };
      case 'truncate':
        return { contentType: type, body: body.subarray(0, cut % body.length) };
      case 'lf-only':
        return { contentType: type, body: encode(list, BOUNDARY, '\n') };
      case 'no-boundary-param':
        return { contentType: 'multipart/form-data', body };
      case 'other-boundary':
        return { contentType: 'multipart/form-data; boundary=not-the-one', body };
      case 'quoted-boundary':
        return { contentType: `multipart/form-data; boundary="${BOUNDARY}"`, body };
      case 'long-boundary': {
        const long = 'b'.repeat(200);
        return { contentType: `multipart/form-data; boundary=${long}`, body: encode(list, long, '\r\n') };
      }
      case 'many-parts':
        return { contentType: type, body: encode([...list, ...Array.from({ length: 25 }, (_, index) => ({ name: `f${index}`, value: 'x' }))], BOUNDARY, '\r\n') };
      case 'garbage':
        return { contentType: type, body: Buffer.from(`--${BOUNDARY}\r\n\r\n\u0000\u0001--${BOUNDARY}-`) };
    }
  });
}
