/**
 * POST /v1/chat/completions: validates the parts of the body the simulator reads (unknown fields
 * are ignored, as a lenient provider would), decides the answer (deterministic words, or a tool
 * call when the request forces one) and sends it whole or hands it to the streamer.
 */
import { z } from 'zod';
import {
  completionWords,
  DEFAULT_COMPLETION_WORDS,
  digestPrompt,
  estimateTokens,
  MAX_COMPLETION_WORDS,
} from '../completion-text.ts';
import type { Exchange } from '../exchange.ts';
import { sendChatStream, type ChatAnswer, type ChatMeta } from './chat-stream.ts';
import type { RouteContext } from './context.ts';
import { rejectParam, validateBody } from './validation.ts';

const functionTool = z.looseObject({
  type: z.string(),
  function: z.looseObject({ name: z.string().min(1) }),
});

const chatBodySchema = z.looseObject({
  model: z.string({ error: 'you must provide a model parameter' }).min(1),
  messages: z
    .array(z.looseObject({ role: z.string(), content: z.unknown().optional() }))
    .min(1, { error: 'must contain at least one message' }),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  tools: z.array(functionTool).nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
    ])
    .nullish(),
});

type ChatBody = z.output<typeof chatBodySchema>;

/** Handles one chat completion request whose body is already parsed JSON. */
export function handleChat(exchange: Exchange, body: unknown, context: RouteContext): void {
  const request = validateBody(exchange, chatBodySchema, body);
  if (request === undefined) return;
  const toolChoice = forcedToolName(request);
  if ('problem' in toolChoice) {
    rejectParam(exchange, 'tool_choice', toolChoice.problem);
    return;
  }
  const forcedTool = toolChoice.name;

  const digest = digestPrompt(context.seed, request.model, request.messages);
  const answer: ChatAnswer =
    forcedTool === undefined
      ? textAnswer(digest.hash, request)
      : {
          kind: 'tool',
          callId: `call_sim_${digest.hash.toString(36)}`,
          name: forcedTool,
          completionTokens: estimateTokens(forcedTool.length + 2),
        };
  const meta: ChatMeta = {
    id: context.nextId('chatcmpl-sim-'),
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    usage: {
      prompt_tokens: digest.promptTokens,
      completion_tokens: answer.completionTokens,
      total_tokens: digest.promptTokens + answer.completionTokens,
    },
  };

  if (request.stream === true) {
    void sendChatStream(exchange, meta, answer, request.stream_options?.include_usage === true, context.slowStream);
    return;
  }
  exchange.sendJson(200, JSON.stringify(completion(meta, answer)));
}

function textAnswer(hash: number, request: ChatBody): ChatAnswer {
  const wanted = request.max_tokens ?? request.max_completion_tokens ?? DEFAULT_COMPLETION_WORDS;
  const words = completionWords(hash, Math.min(wanted, MAX_COMPLETION_WORDS));
  return { kind: 'text', words, completionTokens: words.length };
}

/**
 * The function the request forces a call to (undefined when none), or the problem with a
 * tool_choice that names no declared tool, which OpenAI rejects with a 400.
 */
function forcedToolName(request: ChatBody): { name: string | undefined } | { problem: string } {
  const choice = request.tool_choice;
  if (choice === undefined || choice === null || choice === 'none' || choice === 'auto') return { name: undefined };
  const names = (request.tools ?? []).map((tool) => tool.function.name);
  if (names.length === 0) return { problem: "tool_choice is only allowed when 'tools' are specified" };
  if (choice === 'required') return { name: names[0] };
  if (!names.includes(choice.function.name)) {
    return { problem: `tool_choice names the function ${choice.function.name}, which is not among the tools` };
  }
  return { name: choice.function.name };
}

/** The non-streaming `chat.completion` object. */
function completion(meta: ChatMeta, answer: ChatAnswer): object {
  const message =
    answer.kind === 'text'
      ? { role: 'assistant', content: answer.words.join(''), refusal: null }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: answer.callId, type: 'function', function: { name: answer.name, arguments: '{}' } }],
        };
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: 'fp_sim',
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.kind === 'text' ? 'stop' : 'tool_calls' }],
    usage: meta.usage,
  };
}
