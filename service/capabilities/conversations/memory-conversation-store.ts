/**
 * Conversations in this replica's memory, with the same TTL as Redis plus bounds on how many it
 * holds and on their size in all: a message may be megabytes (up to BODY_LIMIT_BYTES), so a count
 * alone would let ten thousand of them take the process down. A conversation past the whole budget
 * is not kept (its next turn starts without history, as after an eviction).
 */
import { LRUCache } from 'lru-cache';
import type { ConversationsConfig } from '../../config/client-state.ts';
import { storageKey, type ConversationMessage, type ConversationStore } from './conversation-store.ts';

/** The conversations' JSON size in all, by default (CACHE_MEMORY_MAX_BYTES's default, for the same reason). */
const CONVERSATION_MEMORY_MAX_BYTES = 64 * 1024 * 1024;

export class MemoryConversationStore implements ConversationStore {
  readonly limits: ConversationsConfig;
  readonly #entries: LRUCache<string, ConversationMessage[]>;

  constructor(limits: ConversationsConfig, maxBytes = CONVERSATION_MEMORY_MAX_BYTES) {
    this.limits = limits;
    this.#entries = new LRUCache({ max: limits.maxLocalConversations, maxSize: maxBytes, sizeCalculation: (messages) => JSON.stringify(messages).length, ttl: limits.ttlMs });
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
