/**
 * The vector-store capability: collections of documents with embeddings, and nearest-neighbour
 * search over them. One implementation, postgres-vector-store.ts (pgvector on the embedded PGlite
 * or a real PostgreSQL), whose SQL sits beside it (collections-sql.ts, documents-sql.ts,
 * documents-table.ts). Every method runs under the store's policies and honours the signal.
 */

/** The largest dimension a collection may have (pgvector's HNSW limit, on `halfvec`). */
export const MAX_COLLECTION_DIMENSION = 4_000;

type MetadataValue = string | number | boolean | null;
export type Metadata = Record<string, MetadataValue>;

export interface CollectionRow {
  /** bigint, as text. */
  id: string;
  name: string;
  model: string;
  dimension: number;
  documentCount: number;
  /** Bumped by every write to its documents: cached search results carry it in their key. */
  version: number;
  createdAt: Date;
}

export interface NewCollection {
  name: string;
  model: string;
  dimension: number;
}

export interface DocumentInput {
  id: string;
  text: string;
  metadata: Metadata;
  embedding: readonly number[];
}

export interface DocumentRow {
  id: string;
  text: string;
  metadata: Metadata;
  createdAt: Date;
  updatedAt: Date;
}

export interface VectorQuery {
  embedding: readonly number[];
  topK: number;
  /** Equality on top-level metadata keys; undefined or empty: none. */
  filter: Metadata | undefined;
}

export interface SearchHit {
  id: string;
  /** Cosine similarity, 1 - cosine distance: 1 is the same direction. */
  score: number;
  text: string;
  metadata: Metadata;
}

/** A page after a cursor (`after`: the last name or id of the previous page). */
export interface PageRequest {
  limit: number;
  after: string | undefined;
}

export interface Page<Row> {
  rows: Row[];
  hasMore: boolean;
}

/**
 * Methods that name a collection answer `undefined` (or say so) when it does not exist, also when
 * it was deleted while the call ran: callers answer 404 as if it had never been there.
 */
export interface VectorStore {
  findCollection(name: string, signal: AbortSignal): Promise<CollectionRow | undefined>;
  /** Undefined when the name is taken. */
  createCollection(collection: NewCollection, signal: AbortSignal): Promise<CollectionRow | undefined>;
  listCollections(page: PageRequest, signal: AbortSignal): Promise<Page<CollectionRow>>;
  /** The collection and every document in it; false when there was none. */
  deleteCollection(name: string, signal: AbortSignal): Promise<boolean>;
  /**
   * Inserts or replaces the documents, all or none, into the collection if it is still the one
   * given (same id: not deleted and re-created meanwhile); undefined otherwise.
   */
  upsertDocuments(collection: CollectionRow, documents: readonly DocumentInput[], signal: AbortSignal): Promise<{ inserted: number; updated: number } | undefined>;
  listDocuments(collectionName: string, page: PageRequest, signal: AbortSignal): Promise<Page<DocumentRow> | undefined>;
  /** Undefined when the collection does not exist; `document` undefined when it has no such document. */
  getDocument(collectionName: string, id: string, signal: AbortSignal): Promise<{ document: DocumentRow | undefined } | undefined>;
  deleteDocument(collectionName: string, id: string, signal: AbortSignal): Promise<'deleted' | 'no collection' | 'no document'>;
  /** The nearest documents for each query, in query order, each list closest first. */
  search(collection: CollectionRow, queries: readonly VectorQuery[], signal: AbortSignal): Promise<SearchHit[][] | undefined>;
}
