/**
 * Deterministic completion text: the same seed, model and conversation always get the same
 * words, so response caches, idempotency and streaming-versus-whole comparisons can be tested
 * byte for byte. Words come from a small vocabulary picked by a generator seeded from a hash of
 * the request; no real language model, no per-request crypto.
 */
import { hashString, mulberry32 } from './random.ts';

/** Longest completion the simulator writes, in words (one word counts as one token). */
export const MAX_COMPLETION_WORDS = 256;

/** Completion length when the request sets no max_tokens. */
export const DEFAULT_COMPLETION_WORDS = 16;

const VOCABULARY = [
  'levee', 'river', 'water', 'flow', 'steady', 'bank', 'current', 'flood', 'gate', 'channel',
  'stone', 'earth', 'hold', 'rise', 'fall', 'calm', 'storm', 'surge', 'basin', 'delta',
  'silt', 'reed', 'bridge', 'lock', 'weir', 'spill', 'crest', 'tide', 'shore', 'mill',
  'the', 'a', 'and', 'of', 'to', 'in', 'on', 'with', 'under', 'over',
  'quietly', 'slowly', 'always', 'again', 'still', 'never', 'soon', 'here', 'there', 'now',
  'keeps', 'guards', 'turns', 'waits', 'answers', 'carries', 'bends', 'breaks', 'mends', 'holds',
  'wide', 'deep', 'cold', 'clear',
] as const;

/** A chat message as far as the simulator reads it. */
export interface MessageLike {
  role: string;
  content?: unknown;
}

/** The text of a message's content: a string, or the text parts of a content-part array. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as unknown[]) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') {
      text += (part as { text: string }).text;
    }
  }
  return text;
}

/** The usual rough estimate of four characters per token. */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

/** The conversation digested once: its hash (seeding the words) and its size in tokens. */
export interface PromptDigest {
  hash: number;
  promptTokens: number;
}

/** Hashes the seed, the model and every message's role and text; counts prompt tokens. */
export function digestPrompt(seed: number, model: string, messages: readonly MessageLike[]): PromptDigest {
  let hash = hashString(model, seed);
  let characters = 0;
  for (const message of messages) {
    const text = messageText(message.content);
    characters += text.length;
    hash = hashString(text, hashString(message.role, hash));
  }
  return { hash, promptTokens: estimateTokens(characters) };
}

/**
 * `count` words chosen by a generator seeded with `hash`; the first is capitalised and the last
 * ends a sentence. Streaming sends them one per chunk, so joining them gives the whole content.
 */
export function completionWords(hash: number, count: number): string[] {
  const next = mulberry32(hash);
  const words: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const word = VOCABULARY[Math.floor(next() * VOCABULARY.length)] ?? 'levee';
    words.push(index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`);
  }
  if (words.length > 0) words[words.length - 1] += '.';
  return words;
}
