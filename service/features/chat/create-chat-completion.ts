/**
 * Chat completions, JSON or streamed. A streamed answer is only committed once its first chunk
 * has arrived, so every earlier failure is still an ordinary HTTP error; after that, a failure
 * becomes a final `data: {"error":…}` event. The usage chunk Levee always asks the provider for
 * is relayed only to clients that asked for it themselves.
 */
import { errorBody, toLeveeError } from '../../errors.ts';
import type { LlmGateway, StreamEvent } from '../../deps/llm/llm-gateway.ts';
import type { CacheMode, CacheStatus } from '../../deps/cache/cache.ts';
import { cacheKey } from '../cache/cache-key.ts';
import type { CachedCalls } from '../cache/cached-calls.ts';
import { withDetachedDeadline } from '../../resilience/deadline.ts';
import { parseRequest } from '../validate.ts';
import { chatRequestSchema } from './chat-request.ts';

export type ChatCompletionResult =
  | { kind: 'json'; body: Record<string, unknown>; cacheStatus?: CacheStatus }
  | { kind: 'stream'; frames: AsyncIterable<string> };

export interface ChatContext {
  signal: AbortSignal;
  requestId: string;
  /** The chat cache, what the client asked of it, and who the client is (entries are per client). */
  cache?: { calls: CachedCalls; mode: CacheMode; client: string | undefined };
}

export async function createChatCompletion(llm: LlmGateway, body: unknown, context: ChatContext): Promise<ChatCompletionResult> {
  const request = parseRequest(chatRequestSchema, body);
  if (!request.stream) {
    // Only a deterministic request has one answer worth keeping: temperature 0, or a seed.
    const { cache } = context;
    const deterministic = request.temperature === 0 || (request.seed !== undefined && request.seed !== null);
    if (!cache || !deterministic) return { kind: 'json', body: await llm.chatCompletion(request, context.signal) };
    const { value, status } = await cache.calls.run({
      // The whole request, and whose it is: one client never gets the answer to another's question.
      key: cacheKey({ client: cache.client ?? null, request }),
      mode: cache.mode,
      // Shared by every request joining this flight: only the deadline, not the first caller, ends it.
      load: () => withDetachedDeadline(context.signal, (signal) => llm.chatCompletion(request, signal)),
    });
    return { kind: 'json', body: value, cacheStatus: status };
  }

  const wantsUsage = request.stream_options?.include_usage === true;
  const stream = await llm.chatCompletionStream(request, context.signal);
  return { kind: 'stream', frames: sseFrames(stream.first, stream.rest, wantsUsage, context.requestId) };
}

async function* sseFrames(first: StreamEvent | undefined, rest: AsyncIterable<StreamEvent>, wantsUsage: boolean, requestId: string): AsyncGenerator<string> {
  const relay = (event: StreamEvent) => wantsUsage || !event.usageOnly;
  if (first && relay(first)) yield frame(first.data);
  try {
    for await (const event of rest) if (relay(event)) yield frame(event.data);
  } catch (error) {
    // Headers are long gone: the SDKs raise an APIError for an event carrying `error`.
    yield frame(JSON.stringify(errorBody(toLeveeError(error), requestId)));
    return;
  }
  yield frame('[DONE]');
}

function frame(data: string): string {
  return `data: ${data}\n\n`;
}
