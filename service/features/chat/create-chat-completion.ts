/**
 * Chat completions, JSON or streamed. A streamed answer is only committed once its first chunk
 * has arrived, so every earlier failure is still an ordinary HTTP error; after that, a failure
 * becomes a final `data: {"error":…}` event. The usage chunk Levee always asks the provider for
 * is relayed only to clients that asked for it themselves. A turn of a conversation is sent with
 * the stored history in front (before the cache key is computed), and stored once its answer is
 * complete: a stream cut midway stores nothing.
 */
import type { LlmGateway, ServedReport, StreamEvent } from '../../deps/llm/llm-gateway.ts';
import { errorBody, toLeveeError, type LeveeError } from '../../errors.ts';
import { withDetachedDeadline } from '../../resilience/deadline.ts';
import { cacheKey } from '../cache/cache-key.ts';
import type { CachedCalls, CacheMode, CacheStatus } from '../cache/cached-calls.ts';
import { answerOf, conversationIdFromHeader, type Conversations, type ConversationTurn } from '../conversations/conversations.ts';
import { StreamedAnswer } from '../conversations/streamed-answer.ts';
import { parseRequest } from '../validate.ts';
import { chatRequestSchema, type ChatRequest } from './chat-request.ts';

export type ChatCompletionResult =
  | { kind: 'json'; body: Record<string, unknown>; cacheStatus?: CacheStatus }
  | { kind: 'stream'; frames: AsyncIterable<string> };

/** What chat completions run on, wired once at start-up. */
export interface ChatDeps {
  llm: LlmGateway;
  /** Unset: nothing is cached. */
  cache?: CachedCalls;
  /** Conversation memory (`conversation_id`, `X-Conversation-Id`); unset: off, the field is ignored. */
  conversations?: Conversations;
}

/** One request's side of a chat completion. */
export interface ChatContext {
  signal: AbortSignal;
  requestId: string;
  /** What the client asked of the cache (`Cache-Control`). */
  cacheMode: CacheMode;
  /** The API key's name (undefined without keys): cache entries and conversations are per client. */
  client: string | undefined;
  /** The `X-Conversation-Id` header as sent. */
  conversationHeader: string | undefined;
  /** Told what served the call (not for an answer from the cache). */
  served?: ServedReport;
  /** Told when a stream fails after its first chunk: the status is long sent, so only the log can say it. */
  onStreamFailure?: (error: LeveeError) => void;
}

export async function createChatCompletion(deps: ChatDeps, body: unknown, context: ChatContext): Promise<ChatCompletionResult> {
  const { llm } = deps;
  const { conversation_id: bodyId, ...parsed } = parseRequest(chatRequestSchema, body);
  const turn = await conversationTurn(deps.conversations, parsed, bodyId, context);
  const request: ChatRequest = turn ? { ...parsed, messages: turn.messages as ChatRequest['messages'] } : parsed;
  if (!request.stream) {
    const result = await jsonCompletion(llm, deps.cache, request, context);
    await turn?.commit(answerOf(result.body), context.signal);
    return result;
  }

  const wantsUsage = request.stream_options?.include_usage === true;
  const stream = await llm.chatCompletionStream(request, context.signal, context.served);
  return { kind: 'stream', frames: sseFrames(stream.first, stream.rest, wantsUsage, context, turn) };
}

/** The turn when the request names a conversation (body field first, else the header) and memory is on. */
async function conversationTurn(
  conversations: Conversations | undefined,
  request: ChatRequest,
  bodyId: string | undefined,
  context: ChatContext,
): Promise<ConversationTurn | undefined> {
  if (!conversations) return undefined;
  const id = bodyId ?? conversationIdFromHeader(context.conversationHeader);
  if (id === undefined) return undefined;
  return conversations.startTurn(context.client, id, request.messages, context.signal);
}

async function jsonCompletion(llm: LlmGateway, cache: CachedCalls | undefined, request: ChatRequest, context: ChatContext): Promise<ChatCompletionResult & { kind: 'json' }> {
  // Only a deterministic request has one answer worth keeping: temperature 0, or a seed.
  const deterministic = request.temperature === 0 || (request.seed !== undefined && request.seed !== null);
  if (!cache || !deterministic) return { kind: 'json', body: await llm.chatCompletion(request, context.signal, context.served) };
  const { value, status } = await cache.run({
    // The whole request, and whose it is: one client never gets the answer to another's question.
    key: cacheKey({ client: context.client ?? null, request }),
    mode: context.cacheMode,
    // Shared by every request joining this flight: only the deadline, not the first caller, ends it.
    load: () => withDetachedDeadline(context.signal, (signal) => llm.chatCompletion(request, signal, context.served)),
  });
  return { kind: 'json', body: value, cacheStatus: status };
}

async function* sseFrames(
  first: StreamEvent | undefined,
  rest: AsyncIterable<StreamEvent[]>,
  wantsUsage: boolean,
  { requestId, onStreamFailure }: Pick<ChatContext, 'requestId' | 'onStreamFailure'>,
  turn: ConversationTurn | undefined,
): AsyncGenerator<string> {
  const relay = (event: StreamEvent) => wantsUsage || !event.usageOnly;
  const answer = turn && new StreamedAnswer();
  if (first) answer?.add(first.data);
  if (first && relay(first)) yield frame(first.data);
  try {
    // One string per batch that arrived together: one write to the client, not one per event.
    for await (const batch of rest) {
      let frames = '';
      for (const event of batch) {
        answer?.add(event.data);
        if (relay(event)) frames += frame(event.data);
      }
      if (frames) yield frames;
    }
  } catch (error) {
    // Headers are long gone: the SDKs raise an APIError for an event carrying `error`.
    const failure = toLeveeError(error);
    onStreamFailure?.(failure);
    yield frame(JSON.stringify(errorBody(failure, requestId)));
    return;
  }
  // Stored before [DONE]: a client that saw the end of the answer finds it in the conversation.
  if (turn && answer) await turn.commit(answer.message());
  yield frame('[DONE]');
}

function frame(data: string): string {
  return `data: ${data}\n\n`;
}
