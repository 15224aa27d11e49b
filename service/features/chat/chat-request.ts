/**
 * What a chat completion request must look like before it is worth a provider's time. Known
 * fields are checked for type and range (so hostile values get a 400 naming the field); unknown
 * top-level fields pass through untouched, because OpenAI adds parameters often and newer SDKs
 * send them.
 */
import { z } from 'zod';
import { CONVERSATION_ID_PATTERN } from '../conversations/conversations.ts';

const MAX_MESSAGES = 4_096;
/** Far above any model's output limit; a larger value is a mistake or an attack. */
const MAX_OUTPUT_TOKENS = 1_000_000;

const contentPart = z.looseObject({ type: z.string().min(1).max(64) });

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPart).max(1_024), z.null()]).optional(),
  name: z.string().max(256).optional(),
  tool_calls: z
    .array(z.looseObject({ id: z.string().max(256), type: z.string().max(64), function: z.looseObject({ name: z.string().max(256), arguments: z.string() }).optional() }))
    .max(1_024)
    .optional(),
  tool_call_id: z.string().max(256).optional(),
});

const tool = z.looseObject({
  type: z.string().min(1).max(64),
  function: z.looseObject({ name: z.string().min(1).max(256) }).optional(),
});

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(message).min(1).max(MAX_MESSAGES),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).max(MAX_OUTPUT_TOKENS).nullish(),
  max_completion_tokens: z.number().int().min(1).max(MAX_OUTPUT_TOKENS).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string().max(1_024), z.array(z.string().max(1_024)).max(4)]).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: z.union([z.string().max(64), z.looseObject({ type: z.string().max(64) })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z.looseObject({ type: z.string().max(64) }).nullish(),
  user: z.string().max(512).nullish(),
  /** Levee's own: the conversation this turn belongs to (stripped before forwarding). */
  conversation_id: z.string().regex(CONVERSATION_ID_PATTERN, 'expected 1 to 128 letters, digits or _ . : -').optional(),
});

export type ChatRequest = z.output<typeof chatRequestSchema>;
