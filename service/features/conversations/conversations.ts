/**
 * Conversation memory for chat: a turn loads the stored history, the request is sent with it in
 * front, and the new messages plus the answer are stored (trimmed) once the answer is complete.
 * Reading and deleting a conversation are scoped to the client: another client's conversation is
 * simply not found.
 */
import type { ConversationMessage, ConversationStore } from '../../capabilities/conversations/conversation-store.ts';
import { InvalidRequestError, NotFoundError } from '../../errors.ts';
import { trimHistory } from './trim-history.ts';

/** Letters, digits and `_ . : -`, 1 to 128 of them. */
export const CONVERSATION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const CONVERSATION_HEADER = 'X-Conversation-Id';

/** The one scope every caller shares when API keys are off (there is no client identity then). */
const ANONYMOUS_CLIENT = '_anonymous';

/** The conversation id from the header, or a 400 naming the header when it is malformed. */
export function conversationIdFromHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!CONVERSATION_ID_PATTERN.test(value)) {
    throw new InvalidRequestError(`Invalid '${CONVERSATION_HEADER}': expected 1 to 128 letters, digits or _ . : -`, CONVERSATION_HEADER);
  }
  return value;
}

export interface ConversationTurn {
  /** The history followed by the request's own messages: what the provider gets. */
  messages: ConversationMessage[];
  /** Stores the turn with its answer; call only once the answer is complete. */
  commit(answer: ConversationMessage | undefined, signal?: AbortSignal): Promise<void>;
}

/** Conversations of each client (`client`: the API key's name; undefined when keys are off). */
export class Conversations {
  readonly #store: ConversationStore;

  constructor(store: ConversationStore) {
    this.#store = store;
  }

  async startTurn(client: string | undefined, id: string, requestMessages: ConversationMessage[], signal: AbortSignal): Promise<ConversationTurn> {
    const scope = client ?? ANONYMOUS_CLIENT;
    const history = (await this.#store.load(scope, id, signal)) ?? [];
    const messages = [...history, ...requestMessages];
    return {
      messages,
      commit: async (answer, commitSignal) => {
        const stored = trimHistory(answer ? [...messages, answer] : messages, this.#store.limits.maxMessages);
        await this.#store.save(scope, id, stored, commitSignal);
      },
    };
  }

  /** GET /v1/conversations/:id */
  async get(client: string | undefined, id: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    const messages = CONVERSATION_ID_PATTERN.test(id) ? await this.#store.load(client ?? ANONYMOUS_CLIENT, id, signal) : undefined;
    if (!messages) throw new NotFoundError(`No conversation '${id.slice(0, 128)}'.`);
    return { id, object: 'conversation', messages };
  }

  /** DELETE /v1/conversations/:id */
  async delete(client: string | undefined, id: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    const deleted = CONVERSATION_ID_PATTERN.test(id) && (await this.#store.delete(client ?? ANONYMOUS_CLIENT, id, signal));
    if (!deleted) throw new NotFoundError(`No conversation '${id.slice(0, 128)}'.`);
    return { id, object: 'conversation.deleted', deleted: true };
  }
}

/** The assistant message of a JSON chat completion (its first choice). */
export function answerOf(body: Record<string, unknown>): ConversationMessage | undefined {
  const choices = body['choices'];
  const message = Array.isArray(choices) ? (choices[0] as { message?: unknown } | undefined)?.message : undefined;
  if (!message || typeof message !== 'object') return undefined;
  const { role, content, tool_calls: toolCalls } = message as Record<string, unknown>;
  return { role: typeof role === 'string' ? role : 'assistant', content: content ?? null, ...(Array.isArray(toolCalls) && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}
