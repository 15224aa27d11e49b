/**
 * What Levee remembers for clients between requests: conversation memory (per client, trimmed)
 * and Idempotency-Key records. In Redis when REDIS_URL is set; the memory bounds apply to this
 * replica's own store (used alone without Redis, and while Redis is away).
 */
import { integer, type ParsedEnvironment } from './env-parsers.ts';

export const clientStateEnvironment = {
  /** A conversation untouched this long is forgotten; every turn restarts the clock. */
  CONVERSATION_TTL_MS: integer({ min: 1_000 }).default(3_600_000),
  /** Messages kept per conversation, the system message included; older ones are trimmed (never inside a tool exchange). */
  CONVERSATION_MAX_MESSAGES: integer({ min: 2, max: 4_096 }).default(20),
  /** Conversations this replica keeps in memory at most (least recently used go first). */
  CONVERSATION_MEMORY_MAX_ENTRIES: integer({ min: 1 }).default(10_000),
  /** How long a stored answer is replayed for a repeated Idempotency-Key (Stripe keeps keys 24 h). */
  IDEMPOTENCY_TTL_MS: integer({ min: 1_000 }).default(86_400_000),
  /** Idempotency records this replica keeps in memory at most (least recently used go first). */
  IDEMPOTENCY_MEMORY_MAX_ENTRIES: integer({ min: 1 }).default(10_000),
};

type ClientStateEnvironment = ParsedEnvironment<typeof clientStateEnvironment>;

export interface ConversationsConfig {
  /** A conversation untouched this long is forgotten; every turn restarts the clock (ms). */
  ttlMs: number;
  /** Messages kept per conversation, the system message included. */
  maxMessages: number;
  /** Conversations the in-memory store holds at most (least recently used go first). */
  maxLocalConversations: number;
}

export interface IdempotencyConfig {
  ttlMs: number;
  maxLocalRecords: number;
}

export function conversationsConfig(env: ClientStateEnvironment): ConversationsConfig {
  return { ttlMs: env.CONVERSATION_TTL_MS, maxMessages: env.CONVERSATION_MAX_MESSAGES, maxLocalConversations: env.CONVERSATION_MEMORY_MAX_ENTRIES };
}

export function idempotencyConfig(env: ClientStateEnvironment): IdempotencyConfig {
  return { ttlMs: env.IDEMPOTENCY_TTL_MS, maxLocalRecords: env.IDEMPOTENCY_MEMORY_MAX_ENTRIES };
}
