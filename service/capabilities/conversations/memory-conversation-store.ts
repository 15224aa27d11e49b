/** Conversations in this replica's memory, with the same TTL as Redis plus a bound on how many it holds. */
import { LRUCache } from 'lru-cache';
import type { ConversationsConfig } from '../../config/client-state.ts';
import { storageKey, type ConversationMessage, type ConversationStore } from './conversation-store.ts';

export class MemoryConversationStore implements ConversationStore {
  readonly limits: ConversationsConfig;
  readonly #entries: LRUCache<string, ConversationMessage[]>;

  constructor(limits: ConversationsConfig) {
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
