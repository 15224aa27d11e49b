/**
 * What the retrieval features need (the vector store, the LLM for embeddings), and the lookup
 * every collection route starts with: the collection by name, or 404.
 */
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';
import { findCollection, isMissingTable, type CollectionRow } from '../../deps/postgres/collections-store.ts';
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import { NotFoundError } from '../../errors.ts';
import type { EmbeddingsOptions } from '../embeddings/create-embeddings.ts';

export interface RetrievalDeps {
  postgres: PostgresDependency;
  llm: LlmGateway;
  /** Batching of embedding calls (LLM_EMBEDDING_BATCH_SIZE, LLM_EMBEDDING_CONCURRENCY). */
  embeddings: EmbeddingsOptions;
}

export function collectionNotFound(name: string): NotFoundError {
  return new NotFoundError(`No collection named '${name}'.`);
}

/** The collection, or 404. */
export async function requireCollection(deps: RetrievalDeps, name: string, signal: AbortSignal): Promise<CollectionRow> {
  const collection = await deps.postgres.query('collections', (client) => findCollection(client, name), signal);
  if (!collection) throw collectionNotFound(name);
  return collection;
}

/**
 * For reads that found the collection and then its table gone (deleted in between): 404, as if
 * it had never been found. Anything else is rethrown.
 */
export function notFoundIfDropped(name: string): (error: unknown) => never {
  return (error) => {
    throw isMissingTable(error) ? collectionNotFound(name) : error;
  };
}
