/**
 * POST /v1/embeddings: one deterministic unit vector per input item, derived from a hash of the
 * model and the item, so the same text always embeds the same way (caches, retrieval tests) and
 * different texts do not. Shortened vectors (`dimensions`) are the first N values renormalised,
 * as OpenAI's text-embedding-3 models shorten.
 */
import { endianness } from 'node:os';
import { z } from 'zod';
import { estimateTokens } from '../completion-text.ts';
import type { Exchange } from '../exchange.ts';
import { hashString } from '../random.ts';
import type { RouteContext } from './context.ts';
import { rejectParam, validateBody } from './validation.ts';

/** OpenAI's limit on items per request. */
const MAX_ITEMS = 2048;

/** Native vector sizes of the embedding models the simulator knows. */
const MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const LITTLE_ENDIAN = endianness() === 'LE';

const embeddingsBodySchema = z.looseObject({
  model: z.string({ error: 'you must provide a model parameter' }).min(1),
  input: z.union(
    [z.string(), z.array(z.string()), z.array(z.int().min(0)), z.array(z.array(z.int().min(0)))],
    { error: 'must be a string, an array of strings, an array of tokens or an array of token arrays' },
  ),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.int().min(1).nullish(),
});

type EmbeddingItem = string | number[];

/** Handles one embeddings request whose body is already parsed JSON. */
export function handleEmbeddings(exchange: Exchange, body: unknown, context: RouteContext): void {
  const request = validateBody(exchange, embeddingsBodySchema, body);
  if (request === undefined) return;
  const items = itemsOf(request.input);
  if (items.length === 0) return rejectParam(exchange, 'input', 'input must not be empty');
  if (items.length > MAX_ITEMS) return rejectParam(exchange, 'input', `input must have at most ${MAX_ITEMS} items`);
  if (items.some((item) => item.length === 0)) return rejectParam(exchange, 'input', 'input items must not be empty');

  const nativeDimension = MODEL_DIMENSIONS[request.model] ?? context.embeddingDimension;
  const dimension = request.dimensions ?? nativeDimension;
  if (dimension > nativeDimension) {
    return rejectParam(exchange, 'dimensions', `dimensions must be at most ${nativeDimension} for ${request.model}`);
  }

  const base64 = request.encoding_format === 'base64';
  let promptTokens = 0;
  const data = items.map((item, index) => {
    promptTokens += typeof item === 'string' ? estimateTokens(item.length) : item.length;
    const vector = embed(request.model, item, dimension);
    return { object: 'embedding', index, embedding: base64 ? toBase64(vector) : Array.from(vector) };
  });
  exchange.sendJson(
    200,
    JSON.stringify({ object: 'list', data, model: request.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }),
  );
}

/** The request's input as a list of items (a single string or token array is one item). */
function itemsOf(input: string | string[] | number[] | number[][]): EmbeddingItem[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as EmbeddingItem[];
}

/**
 * A unit vector of `dimension` float32 values for `item`: mulberry32 seeded from the hash, values
 * uniform in [-1, 1), then normalised. Inlined rather than calling the shared generator because
 * this loop runs 1536 times per item.
 */
function embed(model: string, item: EmbeddingItem, dimension: number): Float32Array {
  // Text and token items hash under different tags so "1,2" and [1, 2] differ.
  const key = typeof item === 'string' ? item : item.join(',');
  let state = hashString(key, hashString(model, typeof item === 'string' ? 0x7e47 : 0x70c5));
  const values = new Float64Array(dimension);
  let sumOfSquares = 0;
  for (let index = 0; index < dimension; index += 1) {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    const value = (((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    values[index] = value;
    sumOfSquares += value * value;
  }
  const scale = sumOfSquares > 0 ? 1 / Math.sqrt(sumOfSquares) : 0;
  const vector = new Float32Array(dimension);
  for (let index = 0; index < dimension; index += 1) vector[index] = (values[index] ?? 0) * scale;
  return vector;
}

/** Little-endian float32 bytes in base64: what OpenAI sends for encoding_format "base64". */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  return (LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap32()).toString('base64');
}
