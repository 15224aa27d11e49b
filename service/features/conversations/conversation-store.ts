/**
 * Where conversations live: Redis when it is configured and answering (so they survive a restart
 * and every replica sees them), else this replica's memory, with the same limits plus a bound on
 * how many conversations it holds (least recently used go first). A conversation belongs to one
 * client: the key is derived from the client's name and the id together.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import type { ConversationMessage } from './trim-history.ts';

export interface ConversationLimits {
  /** A conversation untouched this long is forgotten; every turn restarts the clock. Default 1 h. */
  ttlMs: number;
  /** Messages kept per conversation, the system message included. Default 20. */
  maxMessages: number;
  /** Conversations the in-memory store holds at most (LRU). Default 10 000. */
  maxLocalConversations: number;
}

export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = { ttlMs: 60 * 60 * 1_000, maxMessages: 20, maxLocalConversations: 10_000 };

export interface ConversationStore {
  readonly limits: ConversationLimits;
  /** The stored messages, or undefined when there is no such conversation for this client. */
  load(client: string, id: string, signal?: AbortSignal): Promise<ConversationMessage[] | undefined>;
  /** Replaces the conversation's messages (already trimmed) and restarts its TTL. */
  save(client: string, id: string, messages: ConversationMessage[], signal?: AbortSignal): Promise<void>;
  /** False when there was nothing to delete. */
  delete(client: string, id: string, signal?: AbortSignal): Promise<boolean>;
}

/** One key per (client, id); hashed, so neither a client's name nor an id can forge another's key. */
function storageKey(client: string, id: string): string {
  return createHash('sha256').update(JSON.stringify([client, id])).digest('hex');
}

export class MemoryConversationStore implements ConversationStore {
  readonly limits: ConversationLimits;
  readonly #entries: LRUCache<string, ConversationMessage[]>;

  constructor(limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS) {
    this.limits = limits;
    this.#entries = new LRUCache({ max: limits.maxLocalConversations, ttl: limits.ttlMs });
  }

  async load(client: string, id: string): Promise<ConversationMessage[] | undefined> {
    return this.#entries.get(storageKey(client, id));
  }

  async save(client: string, id: string, messages: ConversationMessage[]): Promise<void> {
    this.#entries.set(storageKey(client, id), messages);
  }

  async delete(client: string, id: string): Promise<boolean> {
    return this.#entries.delete(storageKey(client, id));
  }
}

/**
 * Redis first, memory when Redis fails (`attempt` answers undefined). A conversation written to
 * memory while Redis was away is still found there after Redis comes back, until the next turn
 * writes it to Redis.
 */
export class RedisConversationStore implements ConversationStore {
  readonly limits: ConversationLimits;
  readonly #redis: RedisDependency;
  readonly #local: MemoryConversationStore;
  readonly #prefix: string;

  constructor(redis: RedisDependency, limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS) {
    this.limits = limits;
    this.#redis = redis;
    this.#local = new MemoryConversationStore(limits);
    this.#prefix = `${redis.keyPrefix}conversation:`;
  }

  async load(client: string, id: string, signal?: AbortSignal): Promise<ConversationMessage[] | undefined> {
    const key = this.#prefix + storageKey(client, id);
    const raw = await this.#redis.attempt('conversations', 'conversations', (redis, attemptSignal) => redis.withAbortSignal(attemptSignal).get(key), signal);
    if (typeof raw === 'string') {
      try {
        return JSON.parse(raw) as ConversationMessage[];
      } catch {
        // An entry we cannot read is no conversation; the next turn overwrites it.
      }
    }
    return this.#local.load(client, id);
  }

  async save(client: string, id: string, messages: ConversationMessage[], signal?: AbortSignal): Promise<void> {
    const key = this.#prefix + storageKey(client, id);
    const payload = JSON.stringify(messages);
    const reply = await this.#redis.attempt(
      'conversations',
      'conversations',
      (redis, attemptSignal) => redis.withAbortSignal(attemptSignal).set(key, payload, { PX: this.limits.ttlMs }),
      signal,
    );
    if (reply === undefined) await this.#local.save(client, id, messages);
    else await this.#local.delete(client, id);
  }

  async delete(client: string, id: string, signal?: AbortSignal): Promise<boolean> {
    const key = this.#prefix + storageKey(client, id);
    const removed = await this.#redis.attempt('conversations', 'conversations', (redis, attemptSignal) => redis.withAbortSignal(attemptSignal).del(key), signal);
    const removedLocally = await this.#local.delete(client, id);
    return (removed ?? 0) > 0 || removedLocally;
  }
}

/** The Redis-backed store when Redis is configured, else memory alone. */
export function createConversationStore(redis: RedisDependency | undefined, limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS): ConversationStore {
  return redis ? new RedisConversationStore(redis, limits) : new MemoryConversationStore(limits);
}
