/**
 * Keeps a conversation within its message limit: the leading system (or developer) message stays
 * first, then as many of the most recent messages as fit. The cut never lands inside a tool
 * exchange: `tool` replies whose assistant `tool_calls` message fell off are dropped with it, so
 * the provider never sees a reply to a call it cannot find.
 */
import type { ConversationMessage } from '../../capabilities/conversations/conversation-store.ts';

const INSTRUCTION_ROLES = new Set(['system', 'developer']);

/** The history to keep, at most `maxMessages` long (the system message counts). */
export function trimHistory(messages: readonly ConversationMessage[], maxMessages: number): ConversationMessage[] {
  if (messages.length <= maxMessages) return [...messages];
  const head = messages[0] && INSTRUCTION_ROLES.has(messages[0].role) ? [messages[0]] : [];
  const rest = messages.slice(head.length);
  let start = Math.max(0, rest.length - (maxMessages - head.length));
  // A reply at the cut lost its tool_calls message: drop the rest of that exchange too.
  while (start < rest.length && rest[start]!.role === 'tool') start += 1;
  return [...head, ...rest.slice(start)];
}
