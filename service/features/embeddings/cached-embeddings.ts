/**
 * Embeddings with a cache per input item: items embedded before are answered from the cache and
 * only the others go upstream (a batch with 18 of 20 cached sends 2). Concurrent requests missing
 * the same items make one upstream call; if that call fails and every missing item has an entry
 * still within its grace period, the answer is built from those (`STALE`).
 */
import type { CacheEntry } from '../../capabilities/cache/cache.ts';
import type { LlmGateway, ServedReport } from '../../deps/llm/llm-gateway.ts';
import { withDetachedDeadline } from '../../resilience/deadline.ts';
import { cacheKey } from '../cache/cache-key.ts';
import type { CachedCalls, CacheMode, CacheStatus } from '../cache/cached-calls.ts';
import { parseRequest } from '../validate.ts';
import { createEmbeddings, listOfInputs, type EmbeddingsOptions } from './create-embeddings.ts';
import { embeddingsRequestSchema } from './embeddings-request.ts';

/** What embeddings run on, wired once at start-up. */
export interface EmbeddingsDeps {
  llm: LlmGateway;
  /** How many inputs go in one upstream call, and how many calls run at once. */
  batching: EmbeddingsOptions;
  /** Unset: nothing is cached. */
  cache?: CachedCalls;
}

interface UpstreamAnswer {
  data: Array<{ index: number; embedding: unknown }>;
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

export async function createCachedEmbeddings(
  deps: EmbeddingsDeps,
  body: unknown,
  signal: AbortSignal,
  cacheMode: CacheMode,
  served?: ServedReport,
): Promise<{ body: Record<string, unknown>; cacheStatus?: CacheStatus }> {
  const { llm, batching: options } = deps;
  const cache = deps.cache && { calls: deps.cache, mode: cacheMode };
  if (!cache || cache.mode === 'bypass' || !cache.calls.enabled) {
    if (cache?.mode === 'bypass') cache.calls.record('bypass');
    return { body: await createEmbeddings(llm, body, signal, options, served) };
  }
  const request = parseRequest(embeddingsRequestSchema, body);
  const inputs = listOfInputs(request.input);
  // Every field that changes a vector; `user` does not.
  const keys = inputs.map((input) => cacheKey({ model: request.model, encoding_format: request.encoding_format ?? 'float', dimensions: request.dimensions ?? null, input }));
  const now = Date.now();
  const entries: Array<CacheEntry<unknown> | undefined> =
    cache.mode === 'refresh' ? keys.map(() => undefined) : await Promise.all(keys.map((key) => cache.calls.cache.get<unknown>(key)));
  const missing = keys.flatMap((_, index) => (entries[index] && entries[index].freshUntil > now ? [] : [index]));
  const vectors: unknown[] = entries.map((entry) => entry?.value);
  if (missing.length === 0) {
    cache.calls.record('hit');
    return { body: answer(vectors, request.model, 0), cacheStatus: 'HIT' };
  }

  let upstream: UpstreamAnswer;
  try {
    const input = missing.map((index) => inputs[index]!);
    // Shared by every request missing the same items: only the deadline, not the first caller, ends it.
    upstream = await cache.calls.shared(cacheKey(missing.map((index) => keys[index])), () =>
      withDetachedDeadline(signal, (detached) => createEmbeddings(llm, { ...request, input }, detached, options, served)) as Promise<unknown> as Promise<UpstreamAnswer>,
    );
  } catch (error) {
    const stale = missing.every((index) => entries[index] !== undefined && entries[index].staleUntil > Date.now());
    if (!stale) {
      cache.calls.record('error');
      throw error;
    }
    cache.calls.record('stale');
    return { body: answer(vectors, request.model, 0), cacheStatus: 'STALE' };
  }
  for (const item of upstream.data) {
    const index = missing[item.index]!;
    vectors[index] = item.embedding;
    void cache.calls.cache.set(keys[index]!, item.embedding);
  }
  cache.calls.record('miss');
  return { body: answer(vectors, request.model, upstream.usage?.prompt_tokens ?? 0, upstream.usage?.total_tokens), cacheStatus: 'MISS' };
}

/** OpenAI's answer shape; usage counts only what went upstream now. */
function answer(vectors: unknown[], model: string, promptTokens: number, totalTokens = promptTokens): Record<string, unknown> {
  return {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: totalTokens },
  };
}
