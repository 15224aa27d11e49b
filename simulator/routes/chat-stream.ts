/**
 * Streaming chat completions as OpenAI sends them: `chat.completion.chunk` events over SSE, a
 * role chunk, one chunk per word, a finish chunk, the usage chunk when asked for, then [DONE].
 * Without a slow-stream fault the whole stream goes out in one write (benchmarks stream too);
 * with one, the chunks are paced, stalled or cut as the fault says.
 */
import type { Exchange } from '../exchange.ts';
import type { SlowStreamFault } from '../fault-rules.ts';
import { DONE_EVENT, SSE_HEADERS, sseEvent } from '../sse.ts';

/** What the simulator answers: words, or one forced call to a function. */
export type ChatAnswer =
  | { kind: 'text'; words: string[]; completionTokens: number }
  | { kind: 'tool'; callId: string; name: string; completionTokens: number };

/** The fields every chunk of one completion repeats, and its usage. */
export interface ChatMeta {
  id: string;
  created: number;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Streams `answer`, paced by `slow` when a slow-stream fault fired. Never rejects. */
export async function sendChatStream(
  exchange: Exchange,
  meta: ChatMeta,
  answer: ChatAnswer,
  includeUsage: boolean,
  slow: SlowStreamFault | undefined,
): Promise<void> {
  if (exchange.closed) return;
  const events = chunkEvents(meta, answer, includeUsage);
  exchange.writeHead(200, SSE_HEADERS);
  if (slow === undefined) {
    exchange.response.end(events.join('') + DONE_EVENT);
    exchange.settle('ok');
    return;
  }
  await playSlowly(exchange, events, slow);
}

/**
 * Writes the events one at a time: headers at once, the first chunk after ttftMs, chunkGapMs
 * between chunks, a stall (finite or until the client leaves) and a reset after the given counts.
 */
async function playSlowly(exchange: Exchange, events: readonly string[], slow: SlowStreamFault): Promise<void> {
  const { response } = exchange;
  response.flushHeaders();
  if (slow.ttftMs && !(await exchange.sleep(slow.ttftMs))) return;
  for (const [index, event] of events.entries()) {
    if (index > 0 && slow.chunkGapMs && !(await exchange.sleep(slow.chunkGapMs))) return;
    response.write(event);
    const written = index + 1;
    if (slow.resetAfterChunks === written) return exchange.reset();
    if (slow.stallAfterChunks === written) {
      if (slow.stallMs === undefined) return exchange.settle('stall');
      if (!(await exchange.sleep(slow.stallMs))) return;
    }
  }
  response.end(DONE_EVENT);
  exchange.settle('ok');
}

/** Every `chat.completion.chunk` event of the stream, in order, without [DONE]. */
function chunkEvents(meta: ChatMeta, answer: ChatAnswer, includeUsage: boolean): string[] {
  // The envelope is the same for every chunk: serialise it once and splice the choice in.
  const head = `{"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"system_fingerprint":"fp_sim","choices":[`;
  const tail = includeUsage ? '],"usage":null}' : ']}';
  const chunk = (delta: string, finishReason: string | null = null): string =>
    sseEvent(`${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${JSON.stringify(finishReason)}}${tail}`);

  const events: string[] = [];
  if (answer.kind === 'text') {
    events.push(chunk('{"role":"assistant","content":"","refusal":null}'));
    for (const word of answer.words) events.push(chunk(`{"content":${JSON.stringify(word)}}`));
    events.push(chunk('{}', 'stop'));
  } else {
    const call = { index: 0, id: answer.callId, type: 'function', function: { name: answer.name, arguments: '' } };
    events.push(chunk(JSON.stringify({ role: 'assistant', content: null, refusal: null, tool_calls: [call] })));
    events.push(chunk('{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}'));
    events.push(chunk('{}', 'tool_calls'));
  }
  if (includeUsage) events.push(sseEvent(`${head}],"usage":${JSON.stringify(meta.usage)}}`));
  return events;
}
