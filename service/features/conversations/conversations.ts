/**
 * Conversation memory for chat: a turn loads the stored history, the request is sent with it in
 * front, and the new messages plus the answer are stored (trimmed) once the answer is complete.
 * Reading and deleting a conversation are scoped to the client: another client's conversation is
 * simply not found.
 */
import { InvalidRequestError, NotFoundError } from '../../errors.ts';
import type { ConversationStore } from './conversation-store.ts';
import { trimHistory, type ConversationMessage } from './trim-history.ts';

/** Letters, digits and `_ . : -`, 1 to 128 of them. */
export const CONVERSATION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const CONVERSATION_HEADER = 'X-Conversation-Id';

/** The conversation id from the header, or a 400 naming the header when it is malformed. */
export function conversationIdFromHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!CONVERSATION_ID_PATTERN.test(value)) {
    throw new InvalidRequestError(`Invalid '${CONVERSATION_HEADER}': expected 1 to 128 letters, digits or _ . : -`, CONVERSATION_HEADER);
  }
  return value;
}

/** Whose conversation it is, and which. */
export interface ConversationRef {
  store: ConversationStore;
  /** The client's name; one store scope for everyone when API keys are off. */
  client: string;
  id: string;
}

export interface ConversationTurn {
  /** The history followed by the request's own messages: what the provider gets. */
  messages: ConversationMessage[];
  /** Stores the turn with its answer; call only once the answer is complete. */
  commit(answer: ConversationMessage | undefined, signal?: AbortSignal): Promise<void>;
}

export async function startTurn(ref: ConversationRef, requestMessages: ConversationMessage[], signal: AbortSignal): Promise<ConversationTurn> {
  const history = (await ref.store.load(ref.client, ref.id, signal)) ?? [];
  const messages = [...history, ...requestMessages];
  return {
    messages,
    async commit(answer, commitSignal) {
      const stored = trimHistory(answer ? [...messages, answer] : messages, ref.store.limits.maxMessages);
      await ref.store.save(ref.client, ref.id, stored, commitSignal);
    },
  };
}

/** The assistant message of a JSON chat completion (its first choice). */
export function answerOf(body: Record<string, unknown>): ConversationMessage | undefined {
  const choices = body['choices'];
  const message = Array.isArray(choices) ? (choices[0] as { message?: unknown } | undefined)?.message : undefined;
  if (!message || typeof message !== 'object') return undefined;
  const { role, content, tool_calls: toolCalls } = message as Record<string, unknown>;
  return { role: typeof role === 'string' ? role : 'assistant', content: content ?? null, ...(Array.isArray(toolCalls) && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}

export async function getConversation(ref: ConversationRef, signal: AbortSignal): Promise<Record<string, unknown>> {
  const messages = CONVERSATION_ID_PATTERN.test(ref.id) ? await ref.store.load(ref.client, ref.id, signal) : undefined;
  if (!messages) throw new NotFoundError(`No conversation '${ref.id.slice(0, 128)}'.`);
  return { id: ref.id, object: 'conversation', messages };
}

export async function deleteConversation(ref: ConversationRef, signal: AbortSignal): Promise<Record<string, unknown>> {
  const deleted = CONVERSATION_ID_PATTERN.test(ref.id) && (await ref.store.delete(ref.client, ref.id, signal));
  if (!deleted) throw new NotFoundError(`No conversation '${ref.id.slice(0, 128)}'.`);
  return { id: ref.id, object: 'conversation.deleted', deleted: true };
}
