/**
 * Each collection keeps its documents in a table of its own, named from the collection's numeric
 * id (`levee_documents_42`), never from its name, so no client text ever reaches SQL as an
 * identifier. The embedding column is `vector(n)` up to 2,000 dimensions (pgvector's limit for
 * an HNSW index on `vector`) and `halfvec(n)` from 2,001 to 4,000 (the limit on `halfvec`),
 * each with the matching cosine operator class.
 */
import { MAX_COLLECTION_DIMENSION } from './vector-store.ts';

/** The largest dimension stored as `vector(n)` with an HNSW index. */
const MAX_VECTOR_DIMENSION = 2_000;

export interface DocumentsTable {
  /** A safe SQL identifier: `levee_documents_<id>`. */
  name: string;
  /** The embedding column's type, also the cast for query vectors. */
  vectorType: 'vector' | 'halfvec';
  dimension: number;
}

/** The documents table of a collection; throws if the id or dimension is not what the schema allows. */
export function documentsTable(collection: { id: string; dimension: number }): DocumentsTable {
  // bigint identity values: digits only, so the name is an identifier without quoting.
  if (!/^[1-9][0-9]{0,18}$/.test(collection.id)) throw new TypeError(`not a collection id: ${JSON.stringify(collection.id)}`);
  const { dimension } = collection;
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_COLLECTION_DIMENSION) throw new TypeError(`not a collection dimension: ${dimension}`);
  return { name: `levee_documents_${collection.id}`, vectorType: dimension <= MAX_VECTOR_DIMENSION ? 'vector' : 'halfvec', dimension };
}

/** The statements that create a collection's table and its indexes (run inside the creating transaction). */
export function createDocumentsTableSql(table: DocumentsTable): string[] {
  const { name, vectorType, dimension } = table;
  return [
    // COLLATE "C": ids sort bytewise on every server, so list cursors mean the same everywhere.
    `CREATE TABLE ${name} (
      id text COLLATE "C" PRIMARY KEY,
      text text NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      embedding ${vectorType}(${dimension}) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX ${name}_embedding ON ${name} USING hnsw (embedding ${vectorType}_cosine_ops)`,
    // jsonb_path_ops serves `metadata @> $filter`, the only metadata operator searches use.
    `CREATE INDEX ${name}_metadata ON ${name} USING gin (metadata jsonb_path_ops)`,
  ];
}

/** pgvector's text form of a vector: `[0.1,-0.2,…]`. */
export function vectorLiteral(values: readonly number[]): string {
  return `[${values.join(',')}]`;
}
