/**
 * The conversation-memory capability: where each client's conversations live. Implementations:
 * memory-conversation-store.ts (this replica alone, LRU-bounded) and redis-conversation-store.ts
 * (survives a restart and every replica sees it; memory while Redis fails). A conversation belongs
 * to one client: stores key it by the client's name and the id together (`storageKey`).
 */
import { createHash } from 'node:crypto';
import type { ConversationsConfig } from '../../config/client-state.ts';

/** A chat message as stored: the role is all the store and trimming look at. */
export type ConversationMessage = Record<string, unknown> & { role: string };

export interface ConversationStore {
  /** The CONVERSATION_* settings (config/client-state.ts). */
  readonly limits: ConversationsConfig;
  /** The stored messages, or undefined when there is no such conversation for this client. */
  load(client: string, id: string, signal?: AbortSignal): Promise<ConversationMessage[] | undefined>;
  /** Replaces the conversation's messages (already trimmed) and restarts its TTL. */
  save(client: string, id: string, messages: ConversationMessage[], signal?: AbortSignal): Promise<void>;
  /** False when there was nothing to delete. */
  delete(client: string, id: string, signal?: AbortSignal): Promise<boolean>;
}

/** One key per (client, id); hashed, so neither a client's name nor an id can forge another's key. */
export function storageKey(client: string, id: string): string {
  return createHash('sha256').update(JSON.stringify([client, id])).digest('hex');
}
