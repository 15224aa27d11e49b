/**
 * The collections catalogue (`levee_collections`, migrations 1 and 2). Creating or dropping a
 * collection creates or drops its documents table in the same transaction, so the catalogue
 * and the tables never disagree. Every statement is parameterised; the only identifiers built
 * are the documents tables' names, from the numeric id (documents-table.ts).
 */
import pg from 'pg';
import type { PostgresClient } from '../../deps/postgres/client.ts';
import { createDocumentsTableSql, documentsTable } from './documents-table.ts';
import type { CollectionRow, NewCollection, Page, PageRequest } from './vector-store.ts';

interface RawCollection {
  id: string;
  name: string;
  model: string;
  dimension: number;
  document_count: string;
  version: string;
  created_at: Date;
}

const COLUMNS = 'id::text AS id, name, model, dimension, document_count, version, created_at';

function toRow(raw: RawCollection): CollectionRow {
  return { id: raw.id, name: raw.name, model: raw.model, dimension: raw.dimension, documentCount: Number(raw.document_count), version: Number(raw.version), createdAt: raw.created_at };
}

/**
 * Adds a collection and creates its table; undefined when the name is taken (also by a
 * concurrent create, which ON CONFLICT waits for). Run inside a transaction.
 */
export async function insertCollection(client: PostgresClient, collection: NewCollection): Promise<CollectionRow | undefined> {
  const { rows } = await client.query<RawCollection>(
    `INSERT INTO levee_collections (name, model, dimension) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
    [collection.name, collection.model, collection.dimension],
  );
  const raw = rows[0];
  if (!raw) return undefined;
  const row = toRow(raw);
  for (const statement of createDocumentsTableSql(documentsTable(row))) await client.query(statement);
  return row;
}

/**
 * The collection by name. `lock: true` (inside a transaction) holds it against a concurrent
 * delete until commit, without blocking other writers (FOR KEY SHARE).
 */
export async function findCollection(client: PostgresClient, name: string, options: { lock?: boolean } = {}): Promise<CollectionRow | undefined> {
  const { rows } = await client.query<RawCollection>(`SELECT ${COLUMNS} FROM levee_collections WHERE name = $1${options.lock ? ' FOR KEY SHARE' : ''}`, [name]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** One page of collections by name (bytewise), after the cursor; `hasMore` when more follow. */
export async function listCollections(client: PostgresClient, page: PageRequest): Promise<Page<CollectionRow>> {
  const { rows } = await client.query<RawCollection>(
    `SELECT ${COLUMNS} FROM levee_collections WHERE $1::text IS NULL OR name COLLATE "C" > $1 ORDER BY name COLLATE "C" LIMIT $2`,
    [page.after ?? null, page.limit + 1],
  );
  return { rows: rows.slice(0, page.limit).map(toRow), hasMore: rows.length > page.limit };
}

/** Removes the collection and drops its table; false when there was none. Run inside a transaction. */
export async function deleteCollection(client: PostgresClient, name: string): Promise<boolean> {
  const { rows } = await client.query<RawCollection>(`DELETE FROM levee_collections WHERE name = $1 RETURNING ${COLUMNS}`, [name]);
  if (!rows[0]) return false;
  await client.query(`DROP TABLE IF EXISTS ${documentsTable(toRow(rows[0])).name}`);
  return true;
}

/** Records a write in its own transaction: `document_count` in step, and a new `version` (search results cached for the old one are no longer served). */
export async function addToDocumentCount(client: PostgresClient, collectionId: string, delta: number): Promise<void> {
  await client.query('UPDATE levee_collections SET document_count = document_count + $2, version = version + 1 WHERE id = $1', [collectionId, delta]);
}

/**
 * Whether a statement failed because a documents table is gone: the collection was deleted
 * between finding it and reading from its table. Callers answer 404, as if it was never there.
 */
export function isMissingTable(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === '42P01';
}
