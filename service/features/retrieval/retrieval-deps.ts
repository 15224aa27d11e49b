/**
 * What the retrieval features need (the vector store, the LLM for embeddings, the search cache),
 * and the lookup every collection route starts with: the collection by name, or 404.
 */
import type { CollectionRow, VectorStore } from '../../capabilities/vector-store/vector-store.ts';
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';
import { NotFoundError } from '../../errors.ts';
import type { CachedCalls } from '../cache/cached-calls.ts';
import type { EmbeddingsOptions } from '../embeddings/create-embeddings.ts';

export interface RetrievalDeps {
  store: VectorStore;
  llm: LlmGateway;
  /** Batching of embedding calls (LLM_EMBEDDING_BATCH_SIZE, LLM_EMBEDDING_CONCURRENCY). */
  embeddings: EmbeddingsOptions;
  /** Unset: search results are not cached. */
  searchCache?: CachedCalls;
}

export function collectionNotFound(name: string): NotFoundError {
  return new NotFoundError(`No collection named '${name}'.`);
}

/** The collection, or 404. */
export async function requireCollection(deps: RetrievalDeps, name: string, signal: AbortSignal): Promise<CollectionRow> {
  const collection = await deps.store.findCollection(name, signal);
  if (!collection) throw collectionNotFound(name);
  return collection;
}
