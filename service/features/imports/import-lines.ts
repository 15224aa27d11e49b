/**
 * An import file's lines, as byte ranges and documents: read in pieces of a few MiB (a 64 MiB
 * file is never one store call, nor one string), each line numbered from 1 as in the file and
 * placed by its byte offsets, so a chunk can later be read back alone. A line's document follows
 * the rules of an upsert's documents (the same schema).
 */
import { InvalidRequestError } from '../../errors.ts';
import { documentSchema, parseRetrievalRequest } from '../retrieval/retrieval-requests.ts';

export interface FileLine {
  /** 1-based, as in the file. */
  line: number;
  /** Its bytes, `start` up to `end` (the newline excluded). */
  start: number;
  end: number;
  text: string;
}

/** Bytes `offset` up to `end` of the file, fewer past its end; a file gone (deleted, expired) throws. */
export type ReadBytes = (offset: number, length: number) => Promise<Buffer>;

export interface LineSpan {
  /** Where reading starts: the first byte of a line. */
  offset: number;
  /** Where reading stops (exclusive). */
  end: number;
  /** The number of the line starting at `offset`. */
  firstLine: number;
  /** Bytes per read. */
  pieceBytes: number;
}

const NEWLINE = 0x0a;

/** Every line of the span, blank ones included (they still count in the numbering). */
export async function* readLines(read: ReadBytes, span: LineSpan): AsyncGenerator<FileLine> {
  let line = span.firstLine;
  let carry: Buffer = Buffer.alloc(0);
  /** The file offset of carry[0]. */
  let carryAt = span.offset;
  for (let offset = span.offset; offset < span.end; ) {
    const piece = await read(offset, Math.min(span.pieceBytes, span.end - offset));
    if (piece.length === 0) break;
    offset += piece.length;
    const buffer = carry.length === 0 ? piece : Buffer.concat([carry, piece]);
    let start = 0;
    for (let newline = buffer.indexOf(NEWLINE); newline !== -1; newline = buffer.indexOf(NEWLINE, start)) {
      yield { line, start: carryAt + start, end: carryAt + newline, text: buffer.toString('utf8', start, newline) };
      line += 1;
      start = newline + 1;
    }
    carry = buffer.subarray(start);
    carryAt += start;
  }
  if (carry.length > 0) yield { line, start: carryAt, end: carryAt + carry.length, text: carry.toString('utf8') };
}

export type ImportDocument = ReturnType<typeof documentSchema.parse>;

/** What is wrong with a line, in the words of `errors.data`. */
export interface LineProblem {
  code: 'invalid_json_line' | 'invalid_document';
  message: string;
  param: string | null;
}

/** A non-blank line as a document, or what is wrong with it (the upsert's rules and messages). */
export function parseDocumentLine(text: string): { document: ImportDocument } | { problem: LineProblem } {
  let parsed: unknown;
  try {
    // A UTF-8 byte-order mark may open the file; JSON does not allow one.
    parsed = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    return { problem: { code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', param: null } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: { code: 'invalid_document', message: 'Each line must be a JSON object: {"id": …, "text": …, "metadata": {…}}.', param: null } };
  }
  try {
    return { document: parseRetrievalRequest(documentSchema, parsed) };
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    return { problem: { code: 'invalid_document', message: error.message, param: error.param ?? null } };
  }
}

export const isBlank = (text: string) => text.trim() === '';
