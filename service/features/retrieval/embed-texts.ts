/**
 * Texts to vectors for a collection, through the resilient LLM path (batched like /v1/embeddings,
 * each batch under the LLM's policies; one failed batch fails the call and cancels the rest). Every
 * vector must have the collection's dimension: a model that answers otherwise fails the whole
 * call with 422 `dimension_mismatch` before anything is written.
 */
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';
import { LeveeError } from '../../errors.ts';
import { createEmbeddings, type EmbeddingsOptions } from '../embeddings/create-embeddings.ts';

interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
}

export interface EmbeddedTexts {
  /** One per text, in the texts' order. */
  vectors: number[][];
  usage: EmbeddingUsage;
}

export async function embedTexts(
  llm: LlmGateway,
  options: EmbeddingsOptions,
  collection: { name: string; model: string; dimension: number },
  texts: readonly string[],
  signal: AbortSignal,
): Promise<EmbeddedTexts> {
  const answer = await createEmbeddings(llm, { model: collection.model, input: [...texts], encoding_format: 'float' }, signal, options);
  const vectors = vectorsInOrder(answer.data, texts.length);
  for (const vector of vectors) {
    if (vector.length !== collection.dimension) {
      throw new LeveeError(
        'dimension_mismatch',
        `The model '${collection.model}' returned ${vector.length}-dimensional embeddings, but collection '${collection.name}' has dimension ${collection.dimension}; nothing was written.`,
        { details: { model: collection.model, dimension: collection.dimension, received: vector.length } },
      );
    }
  }
  return { vectors, usage: usageOf(answer.usage) };
}

/** The provider's `data` as vectors by `index`; anything malformed is the provider's fault (502). */
function vectorsInOrder(data: unknown, expected: number): number[][] {
  const vectors: Array<number[] | undefined> = Array.from({ length: expected }, () => undefined);
  if (Array.isArray(data) && data.length === expected) {
    for (const item of data as Array<{ index?: unknown; embedding?: unknown }>) {
      const { index, embedding } = item ?? {};
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || !isVector(embedding)) break;
      vectors[index] = embedding;
    }
  }
  if (vectors.includes(undefined)) {
    throw new LeveeError('upstream_error', 'The embedding provider returned an unexpected response.', { details: { expected_embeddings: expected } });
  }
  return vectors as number[][];
}

function isVector(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const element of value) if (typeof element !== 'number' || !Number.isFinite(element)) return false;
  return true;
}

function usageOf(usage: unknown): EmbeddingUsage {
  const { prompt_tokens: prompt, total_tokens: total } = (usage ?? {}) as { prompt_tokens?: unknown; total_tokens?: unknown };
  return { prompt_tokens: typeof prompt === 'number' ? prompt : 0, total_tokens: typeof total === 'number' ? total : 0 };
}
