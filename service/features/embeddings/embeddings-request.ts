/** What an embeddings request must look like: the OpenAI input forms, bounded. */
import { z } from 'zod';

/** OpenAI's own limit on inputs per request. */
const MAX_INPUTS = 2_048;
/** Per text input; far above a model's token limit, so only abuse is refused here. */
const MAX_INPUT_CHARACTERS = 200_000;

const text = z.string().min(1, { error: 'must not be empty' }).max(MAX_INPUT_CHARACTERS);
const tokens = z.array(z.number().int().min(0)).min(1, { error: 'must not be empty' }).max(MAX_INPUT_CHARACTERS);

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([
    text,
    z.array(text).min(1, { error: 'must not be empty' }).max(MAX_INPUTS),
    tokens,
    z.array(tokens).min(1, { error: 'must not be empty' }).max(MAX_INPUTS),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(65_536).optional(),
  user: z.string().max(512).optional(),
});

export type EmbeddingsRequest = z.output<typeof embeddingsRequestSchema>;
