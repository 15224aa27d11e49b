/**
 * The vector store on Postgres with pgvector: each method is one statement or one transaction
 * under the store's policies (deps/postgres/policies.ts), labelled by operation (`collections`,
 * `documents`, `upsert`, `search`) in its metrics and spans. A documents table that disappears
 * mid-call (its collection deleted meanwhile) reads as a missing collection.
 */
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import { addToDocumentCount, deleteCollection, findCollection, insertCollection, isMissingTable, listCollections } from './collections-sql.ts';
import { deleteDocument, getDocument, listDocuments, searchDocuments, upsertDocuments } from './documents-sql.ts';
import { documentsTable } from './documents-table.ts';
import type { CollectionRow, DocumentInput, DocumentRow, NewCollection, Page, PageRequest, SearchHit, VectorQuery, VectorStore } from './vector-store.ts';

export class PostgresVectorStore implements VectorStore {
  readonly #postgres: PostgresDependency;

  constructor(postgres: PostgresDependency) {
    this.#postgres = postgres;
  }

  findCollection(name: string, signal: AbortSignal): Promise<CollectionRow | undefined> {
    return this.#postgres.query('collections', (client) => findCollection(client, name), signal);
  }

  createCollection(collection: NewCollection, signal: AbortSignal): Promise<CollectionRow | undefined> {
    return this.#postgres.transaction('collections', (client) => insertCollection(client, collection), signal);
  }

  listCollections(page: PageRequest, signal: AbortSignal): Promise<Page<CollectionRow>> {
    return this.#postgres.query('collections', (client) => listCollections(client, page), signal);
  }

  deleteCollection(name: string, signal: AbortSignal): Promise<boolean> {
    return this.#postgres.transaction('collections', (client) => deleteCollection(client, name), signal);
  }

  upsertDocuments(collection: CollectionRow, documents: readonly DocumentInput[], signal: AbortSignal): Promise<{ inserted: number; updated: number } | undefined> {
    return this.#postgres.transaction(
      'upsert',
      async (client) => {
        // Held until commit: the collection cannot be deleted under this write. Found by name
        // and checked by id, so a collection deleted and re-created meanwhile is not written to.
        const current = await findCollection(client, collection.name, { lock: true });
        if (current?.id !== collection.id) return undefined;
        const counts = await upsertDocuments(client, documentsTable(current), documents);
        await addToDocumentCount(client, current.id, counts.inserted);
        return counts;
      },
      signal,
    );
  }

  listDocuments(collectionName: string, page: PageRequest, signal: AbortSignal): Promise<Page<DocumentRow> | undefined> {
    return this.#postgres
      .query(
        'documents',
        async (client) => {
          const collection = await findCollection(client, collectionName);
          return collection && listDocuments(client, documentsTable(collection), page);
        },
        signal,
      )
      .catch(undefinedIfDropped);
  }

  getDocument(collectionName: string, id: string, signal: AbortSignal): Promise<{ document: DocumentRow | undefined } | undefined> {
    return this.#postgres
      .query(
        'documents',
        async (client) => {
          const collection = await findCollection(client, collectionName);
          return collection && { document: await getDocument(client, documentsTable(collection), id) };
        },
        signal,
      )
      .catch(undefinedIfDropped);
  }

  deleteDocument(collectionName: string, id: string, signal: AbortSignal): Promise<'deleted' | 'no collection' | 'no document'> {
    return this.#postgres.transaction(
      'documents',
      async (client) => {
        const collection = await findCollection(client, collectionName, { lock: true });
        if (!collection) return 'no collection' as const;
        const deleted = await deleteDocument(client, documentsTable(collection), id);
        if (deleted) await addToDocumentCount(client, collection.id, -1);
        return deleted ? ('deleted' as const) : ('no document' as const);
      },
      signal,
    );
  }

  search(collection: CollectionRow, queries: readonly VectorQuery[], signal: AbortSignal): Promise<SearchHit[][] | undefined> {
    const table = documentsTable(collection);
    return this.#postgres.transaction('search', (client) => searchDocuments(client, table, queries), signal).catch(undefinedIfDropped);
  }
}

/** The collection was found, then its table was gone (deleted in between): as if it had never been found. */
function undefinedIfDropped(error: unknown): undefined {
  if (isMissingTable(error)) return undefined;
  throw error;
}
