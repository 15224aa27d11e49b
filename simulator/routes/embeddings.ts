/**
 * POST /v1/embeddings: one deterministic unit vector per input item, built from hashed word
 * features, so texts that share words are close and a search ranks documents sharing the query's
 * words first (the retrieval demo on `npm start`), while the same text always embeds the same way
 * (caches, retrieval tests). Shortened vectors (`dimensions`) are the first N values renormalised,
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

/** Words: runs of Unicode letters and digits, compared in lower case. */
const WORD = /[\p{L}\p{N}]+/gu;
/**
 * Positions each word sets (±1/√32): sparse, so a long text costs little, yet enough that a
 * shortened vector keeps a few of every word's.
 */
const WORD_POSITIONS = 32;
/**
 * The per-text part's norm relative to the words' part: small, so shared words dominate the
 * score, yet texts with the same words (case, punctuation, order) still differ a little.
 */
const TEXT_SHARE = 0.2;
/** Hash tags, so a text, a token array, a word and a token never seed alike. */
const TAG = { text: 0x7e47, tokens: 0x70c5, word: 0x3a9d, token: 0x51b3 } as const;

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
    const vector = embed(request.model, item, nativeDimension, dimension);
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
 * A unit vector for `item`: its words' features (each distinct word sets WORD_POSITIONS positions
 * to ±1/√WORD_POSITIONS, seeded by the word and model, weighted 1 + ln(count)), plus a small dense
 * per-text part (mulberry32 seeded by the whole item), then normalised; a text without words is
 * the per-text part alone. Everything is laid out at the model's native size and scaled by native
 * quantities only, so a shortened vector is exactly the first `dimension` values renormalised.
 * Token arrays are treated alike, each token id a word. Both loops are mulberry32 inlined: the
 * per-text one runs `dimension` times per item.
 */
function embed(model: string, item: EmbeddingItem, nativeDimension: number, dimension: number): Float32Array {
  const values = new Float64Array(dimension);
  const words = typeof item === 'string' ? wordCounts(item) : tokenCounts(item);
  const wordSeed = hashString(model, typeof item === 'string' ? TAG.word : TAG.token);
  let wordNormSquared = 0;
  for (const [word, count] of words) {
    const weight = (1 + Math.log(count)) / Math.sqrt(WORD_POSITIONS);
    wordNormSquared += weight * weight * WORD_POSITIONS;
    let state = hashString(word, wordSeed);
    for (let draw = 0; draw < WORD_POSITIONS; draw += 1) {
      state = (state + 0x6d2b79f5) | 0;
      let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
      mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
      const bits = (mixed ^ (mixed >>> 14)) >>> 0;
      const position = bits % nativeDimension;
      if (position < dimension) values[position] = (values[position] ?? 0) + (bits >>> 31 ? weight : -weight);
    }
  }

  // Uniform values in [-1, 1) have mean square 1/3: this scale makes the native per-text part's norm TEXT_SHARE × the words' norm.
  const textScale = words.size === 0 ? 1 : (TEXT_SHARE * Math.sqrt(wordNormSquared)) / Math.sqrt(nativeDimension / 3);
  const key = typeof item === 'string' ? item : item.join(',');
  let state = hashString(key, hashString(model, typeof item === 'string' ? TAG.text : TAG.tokens));
  let sumOfSquares = 0;
  for (let index = 0; index < dimension; index += 1) {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    const value = (values[index] ?? 0) + ((((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * 2 - 1) * textScale;
    values[index] = value;
    sumOfSquares += value * value;
  }
  const scale = sumOfSquares > 0 ? 1 / Math.sqrt(sumOfSquares) : 0;
  const vector = new Float32Array(dimension);
  for (let index = 0; index < dimension; index += 1) vector[index] = (values[index] ?? 0) * scale;
  return vector;
}

/** How often each lower-cased word occurs in `text`. */
function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [word] of text.toLowerCase().matchAll(WORD)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** How often each token id occurs, keyed as text. */
function tokenCounts(tokens: readonly number[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) {
    const key = String(token);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Little-endian float32 bytes in base64: what OpenAI sends for encoding_format "base64". */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  return (LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap32()).toString('base64');
}
