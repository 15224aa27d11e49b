/**
 * Validates an import file and cuts it into chunks: every non-blank line is a document (counted in
 * `total`); a bad one (not JSON, breaking the upsert's rules, an id seen on an earlier line) is
 * listed with its line, code and message and counted failed, and the rest are imported. The
 * documents go in chunks of `chunkDocuments`, each remembered as the byte range and lines that
 * hold it. Only a file with no document, or with more than `maxDocuments`, fails the import.
 */
import { MAX_LISTED_IMPORT_ERRORS, type ImportChunk, type ImportError, type ImportPlan } from '../../capabilities/imports/import-store.ts';
import { isBlank, parseDocumentLine, type FileLine } from './import-lines.ts';

export interface PlanLimits {
  /** Documents per chunk (written together, all or nothing). */
  chunkDocuments: number;
  /** Documents per import; more fails it in validating. */
  maxDocuments: number;
}

export async function planImport(lines: AsyncIterable<FileLine>, limits: PlanLimits): Promise<ImportPlan | { error: ImportError }> {
  const chunks: ImportChunk[] = [];
  const errors: ImportError[] = [];
  /** Each id's first line: a later line with the same id is refused, so which text wins never depends on chunk order. */
  const seen = new Map<string, number>();
  let total = 0;
  let failed = 0;
  let current: ImportChunk | undefined;
  const refuse = (problem: Omit<ImportError, 'line'>, line: number) => {
    failed += 1;
    if (errors.length < MAX_LISTED_IMPORT_ERRORS) errors.push({ ...problem, line });
  };
  for await (const line of lines) {
    if (isBlank(line.text)) continue;
    total += 1;
    if (total > limits.maxDocuments) {
      return { error: { code: 'too_many_documents', message: `The file has more than ${limits.maxDocuments} documents; an import holds at most ${limits.maxDocuments}.`, param: null, line: null } };
    }
    const parsed = parseDocumentLine(line.text);
    if ('problem' in parsed) {
      refuse(parsed.problem, line.line);
      continue;
    }
    const first = seen.get(parsed.document.id);
    if (first !== undefined) {
      refuse({ code: 'duplicate_id', message: `The id ${JSON.stringify(parsed.document.id.slice(0, 64))} is already on line ${first}; ids must be unique within an import.`, param: 'id' }, line.line);
      continue;
    }
    seen.set(parsed.document.id, line.line);
    if (!current || current.lines.length >= limits.chunkDocuments) {
      current = { chunk: chunks.length, lines: [], byteStart: line.start, byteEnd: line.end };
      chunks.push(current);
    }
    current.lines.push(line.line);
    current.byteEnd = line.end;
  }
  if (total === 0) return { error: { code: 'empty_file', message: 'The file has no documents.', param: null, line: null } };
  return { total, chunks, failed, errors };
}
