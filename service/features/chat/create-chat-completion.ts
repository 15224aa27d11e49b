/**
 * Chat completions, JSON or streamed. A streamed answer is only committed once its first chunk
 * has arrived, so every earlier failure is still an ordinary HTTP error; after that, a failure
 * becomes a final `data: {"error":…}` event. The usage chunk Levee always asks the provider for
 * is relayed only to clients that asked for it themselves.
 */
import { errorBody, toLeveeError } from '../../errors.ts';
import type { LlmGateway, StreamEvent } from '../../deps/llm/llm-gateway.ts';
import { parseRequest } from '../validate.ts';
import { chatRequestSchema } from './chat-request.ts';

export type ChatCompletionResult =
  | { kind: 'json'; body: Record<string, unknown> }
  | { kind: 'stream'; frames: AsyncIterable<string> };

export interface ChatContext {
  signal: AbortSignal;
  requestId: string;
}

export async function createChatCompletion(llm: LlmGateway, body: unknown, context: ChatContext): Promise<ChatCompletionResult> {
  const request = parseRequest(chatRequestSchema, body);
  if (!request.stream) return { kind: 'json', body: await llm.chatCompletion(request, context.signal) };

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
