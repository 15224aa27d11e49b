/**
 * A collection's documents: upsert, page, get, delete and nearest-neighbour search, all on the
 * table documents-table.ts names. Statements are parameterised; vectors travel as pgvector text.
 */
import type { PostgresClient } from '../../deps/postgres/client.ts';
import { vectorLiteral, type DocumentsTable } from './documents-table.ts';
import type { DocumentInput, DocumentRow, Metadata, Page, PageRequest, SearchHit, VectorQuery } from './vector-store.ts';

interface RawDocument {
  id: string;
  text: string;
  metadata: Metadata;
  created_at: Date;
  updated_at: Date;
}

/** Rows per INSERT: bounds one statement's parameters (~3 MB of 1,536-dimension vectors). */
const UPSERT_CHUNK_ROWS = 100;

/**
 * Inserts or replaces the documents (keeping `created_at` of replaced ones); returns how many
 * were new. Run inside a transaction: several statements write one call's documents.
 */
export async function upsertDocuments(client: PostgresClient, table: DocumentsTable, documents: readonly DocumentInput[]): Promise<{ inserted: number; updated: number }> {
  // Rows locked in id order, so two overlapping upserts cannot deadlock each other.
  const sorted = [...documents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let inserted = 0;
  for (let start = 0; start < sorted.length; start += UPSERT_CHUNK_ROWS) {
    const chunk = sorted.slice(start, start + UPSERT_CHUNK_ROWS);
    const { rows } = await client.query<{ inserted: number }>(
      `WITH upserted AS (
        INSERT INTO ${table.name} (id, text, metadata, embedding)
        SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::${table.vectorType}[])
        ON CONFLICT (id) DO UPDATE SET text = excluded.text, metadata = excluded.metadata, embedding = excluded.embedding, updated_at = now()
        RETURNING xmax = 0 AS inserted
      )
      SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM upserted`,
      [
        chunk.map((document) => document.id),
        chunk.map((document) => document.text),
        chunk.map((document) => JSON.stringify(document.metadata)),
        chunk.map((document) => vectorLiteral(document.embedding)),
      ],
    );
    // xmax = 0 on a returned row: it was inserted rather than updated (also under a concurrent insert of the same id).
    inserted += rows[0]?.inserted ?? 0;
  }
  return { inserted, updated: documents.length - inserted };
}

/** One page of documents by id (bytewise), after the cursor; `hasMore` when more follow. */
export async function listDocuments(client: PostgresClient, table: DocumentsTable, page: PageRequest): Promise<Page<DocumentRow>> {
  const { rows } = await client.query<RawDocument>(
    `SELECT id, text, metadata, created_at, updated_at FROM ${table.name} WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`,
    [page.after ?? null, page.limit + 1],
  );
  return { rows: rows.slice(0, page.limit).map(toDocument), hasMore: rows.length > page.limit };
}

/** One document without its embedding; undefined when there is none. */
export async function getDocument(client: PostgresClient, table: DocumentsTable, id: string): Promise<DocumentRow | undefined> {
  const { rows } = await client.query<RawDocument>(`SELECT id, text, metadata, created_at, updated_at FROM ${table.name} WHERE id = $1`, [id]);
  return rows[0] ? toDocument(rows[0]) : undefined;
}

/** Deletes one document; whether it existed. */
export async function deleteDocument(client: PostgresClient, table: DocumentsTable, id: string): Promise<boolean> {
  const { rowCount } = await client.query(`DELETE FROM ${table.name} WHERE id = $1`, [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * The nearest documents by cosine distance for each query, in query order, each list closest
 * first. Run inside a transaction: the HNSW settings are SET LOCAL. One statement per query
 * (the embedded server runs one statement at a time anyway), each one the index can serve.
 */
export async function searchDocuments(client: PostgresClient, table: DocumentsTable, queries: readonly VectorQuery[]): Promise<SearchHit[][]> {
  const largestTopK = Math.max(...queries.map((query) => query.topK));
  // ef_search bounds the candidates an HNSW scan returns (default 40): at least top_k, with room
  // for recall. With a filter, iterative scans (pgvector 0.8) keep scanning until top_k rows
  // pass it, in exact distance order, instead of returning fewer.
  const settings = ["set_config('hnsw.ef_search', $1, true)"];
  if (queries.some((query) => hasFilter(query.filter))) settings.push("set_config('hnsw.iterative_scan', 'strict_order', true)");
  await client.query(`SELECT ${settings.join(', ')}`, [String(Math.min(1_000, Math.max(40, 2 * largestTopK)))]);

  const distance = `embedding <=> $1::${table.vectorType}`;
  const results: SearchHit[][] = [];
  for (const query of queries) {
    const filtered = hasFilter(query.filter);
    const { rows } = await client.query<{ id: string; text: string; metadata: Metadata; score: number }>(
      `SELECT id, text, metadata, 1 - (${distance}) AS score FROM ${table.name}${filtered ? ' WHERE metadata @> $3::jsonb' : ''} ORDER BY ${distance} LIMIT $2`,
      filtered ? [vectorLiteral(query.embedding), query.topK, JSON.stringify(query.filter)] : [vectorLiteral(query.embedding), query.topK],
    );
    results.push(rows.map((row) => ({ id: row.id, score: row.score, text: row.text, metadata: row.metadata })));
  }
  return results;
}

function hasFilter(filter: Metadata | undefined): filter is Metadata {
  return filter !== undefined && Object.keys(filter).length > 0;
}

function toDocument(raw: RawDocument): DocumentRow {
  return { id: raw.id, text: raw.text, metadata: raw.metadata, createdAt: raw.created_at, updatedAt: raw.updated_at };
}
