/**
 * Conversations in Redis (`<prefix>conversation:<hash>`, one JSON value with a TTL): Redis first,
 * memory when Redis fails (`attempt` answers undefined). A conversation written to memory while
 * Redis was away is still found there after Redis comes back, until the next turn writes it to
 * Redis.
 */
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';
import type { ConversationsConfig } from '../../config/client-state.ts';
import { storageKey, type ConversationMessage, type ConversationStore } from './conversation-store.ts';
import { MemoryConversationStore } from './memory-conversation-store.ts';

export class RedisConversationStore implements ConversationStore {
  readonly limits: ConversationsConfig;
  readonly #redis: RedisDependency;
  readonly #local: MemoryConversationStore;
  readonly #prefix: string;

  constructor(redis: RedisDependency, limits: ConversationsConfig) {
    this.limits = limits;
    this.#redis = redis;
    this.#local = new MemoryConversationStore(limits);
    this.#prefix = `${redis.keyPrefix}conversation:`;
  }

  async load(client: string, id: string, signal?: AbortSignal): Promise<ConversationMessage[] | undefined> {
    const key = this.#prefix + storageKey(client, id);
    const raw = await this.#redis.attempt(SHARED_FEATURE.conversations, 'conversations', (redis, attemptSignal) => redis.withAbortSignal(attemptSignal).get(key), signal);
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
      SHARED_FEATURE.conversations,
      'conversations',
      (redis, attemptSignal) => redis.withAbortSignal(attemptSignal).set(key, payload, { PX: this.limits.ttlMs }),
      signal,
    );
    if (reply === undefined) await this.#local.save(client, id, messages);
    else await this.#local.delete(client, id);
  }

  async delete(client: string, id: string, signal?: AbortSignal): Promise<boolean> {
    const key = this.#prefix + storageKey(client, id);
    const removed = await this.#redis.attempt(SHARED_FEATURE.conversations, 'conversations', (redis, attemptSignal) => redis.withAbortSignal(attemptSignal).del(key), signal);
    const removedLocally = await this.#local.delete(client, id);
    return (removed ?? 0) > 0 || removedLocally;
  }
}
