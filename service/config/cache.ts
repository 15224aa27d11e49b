/**
 * Cache tunables: the in-process tier's bounds (per cache) and each cache's lifetime. Search
 * results live shorter than LLM answers: a write to a collection changes them, a model's answer to
 * the same input does not. 0 as a TTL turns that cache off.
 */
import { integer, type ParsedEnvironment } from './env-parsers.ts';

export const cacheEnvironment = {
  /** Entries each cache keeps in process memory (the LRU tier in front of Redis). */
  CACHE_MEMORY_MAX_ENTRIES: integer({ min: 1 }).default(10_000),
  /** Bytes (JSON size) each cache keeps in process memory; the LRU evicts past it. */
  CACHE_MEMORY_MAX_BYTES: integer({ min: 1_024 }).default(64 * 1024 * 1024),
  /** Embeddings, per input item. */
  CACHE_EMBEDDINGS_TTL_MS: integer({ min: 0 }).default(7_200_000),
  /** Search results; a write to the collection invalidates them sooner. */
  CACHE_SEARCH_TTL_MS: integer({ min: 0 }).default(3_600_000),
  /** Deterministic, non-streamed chat completions, per client. */
  CACHE_CHAT_TTL_MS: integer({ min: 0 }).default(7_200_000),
  /** An expired entry may still be served this long (X-Cache: STALE) when its dependency fails. */
  CACHE_STALE_GRACE_MS: integer({ min: 0 }).default(600_000),
};

type CacheEnvironment = ParsedEnvironment<typeof cacheEnvironment>;

export interface CacheConfig {
  memory: { maxEntries: number; maxBytes: number };
  ttlMs: { embeddings: number; search: number; chat: number };
  graceMs: number;
}

export function cacheConfig(env: CacheEnvironment): CacheConfig {
  return {
    memory: { maxEntries: env.CACHE_MEMORY_MAX_ENTRIES, maxBytes: env.CACHE_MEMORY_MAX_BYTES },
    ttlMs: { embeddings: env.CACHE_EMBEDDINGS_TTL_MS, search: env.CACHE_SEARCH_TTL_MS, chat: env.CACHE_CHAT_TTL_MS },
    graceMs: env.CACHE_STALE_GRACE_MS,
  };
}
