/**
 * Rebuilds the assistant message from a chat stream's chunks: the content deltas of the first
 * choice joined, and its tool-call deltas merged by index (ids and names arrive once, arguments
 * in pieces).
 */
import type { ConversationMessage } from '../../capabilities/conversations/conversation-store.ts';

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export class StreamedAnswer {
  #content = '';
  #sawContent = false;
  readonly #toolCalls = new Map<number, ToolCall>();

  /** Takes one event's `data`; anything that is not a chunk with choices is ignored. */
  add(data: string): void {
    let chunk: { choices?: Array<{ index?: number; delta?: { content?: unknown; tool_calls?: ToolCallDelta[] } }> };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return;
    }
    const delta = chunk.choices?.find((choice) => (choice.index ?? 0) === 0)?.delta;
    if (!delta) return;
    if (typeof delta.content === 'string') {
      this.#content += delta.content;
      this.#sawContent = true;
    }
    for (const part of delta.tool_calls ?? []) this.#mergeToolCall(part);
  }

  message(): ConversationMessage {
    const toolCalls = [...this.#toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    return {
      role: 'assistant',
      content: this.#sawContent ? this.#content : null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    };
  }

  #mergeToolCall(part: ToolCallDelta): void {
    const index = part.index ?? 0;
    const call = this.#toolCalls.get(index) ?? { id: '', type: 'function', function: { name: '', arguments: '' } };
    if (part.id) call.id = part.id;
    if (part.type) call.type = part.type;
    if (part.function?.name) call.function.name += part.function.name;
    if (part.function?.arguments) call.function.arguments += part.function.arguments;
    this.#toolCalls.set(index, call);
  }
}
