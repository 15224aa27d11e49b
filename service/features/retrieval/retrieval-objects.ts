/** The JSON objects the retrieval API answers with, OpenAI-style (`object`, unix-second times). */
import type { CollectionRow, DocumentRow, SearchHit } from '../../capabilities/vector-store/vector-store.ts';

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** A collection as the API shows it. */
export function collectionObject(row: CollectionRow) {
  return {
    object: 'collection' as const,
    name: row.name,
    model: row.model,
    dimension: row.dimension,
    document_count: row.documentCount,
    created_at: unixSeconds(row.createdAt),
  };
}

/** A stored document as the API shows it (never its embedding). */
export function documentObject(row: DocumentRow) {
  return {
    object: 'collection.document' as const,
    id: row.id,
    text: row.text,
    metadata: row.metadata,
    created_at: unixSeconds(row.createdAt),
    updated_at: unixSeconds(row.updatedAt),
  };
}

/** One search result: `score` is cosine similarity. */
export function hitObject(hit: SearchHit) {
  return { id: hit.id, score: hit.score, text: hit.text, metadata: hit.metadata };
}

/** A page in OpenAI's list shape: cursors are the first and last ids of `data`. */
export function pageObject<T>(data: T[], idOf: (item: T) => string, hasMore: boolean) {
  const first = data[0];
  const last = data.at(-1);
  return {
    object: 'list' as const,
    data,
    first_id: first === undefined ? null : idOf(first),
    last_id: last === undefined ? null : idOf(last),
    has_more: hasMore,
  };
}
