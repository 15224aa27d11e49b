/**
 * Embeddings for one input or many. Large inputs are split into batches (LLM_EMBEDDING_BATCH_SIZE
 * inputs a call, LLM_EMBEDDING_CONCURRENCY calls in flight: providers cap inputs per call, and a
 * few calls at once keep one request from taking the whole bulkhead), each a separate call under
 * the LLM's policies; the answer keeps the input
 * order, numbers `index` across batches and sums `usage`. A batch that still fails after its
 * retries fails the request and cancels the batches still running.
 */
import pMap from 'p-map';
import type { LlmGateway, ServedReport } from '../../deps/llm/llm-gateway.ts';
import { childSignal } from '../../resilience/deadline.ts';
import { parseRequest } from '../validate.ts';
import { embeddingsRequestSchema, type EmbeddingsRequest } from './embeddings-request.ts';

export interface EmbeddingsOptions {
  /** Inputs per upstream call. */
  batchSize: number;
  /** Upstream calls in flight per request. */
  concurrency: number;
}

interface EmbeddingItem {
  index: number;
  [field: string]: unknown;
}

interface EmbeddingsResponse {
  object?: string;
  data: EmbeddingItem[];
  model?: string;
  usage?: { prompt_tokens?: number; total_tokens?: number };
  [field: string]: unknown;
}

export async function createEmbeddings(llm: LlmGateway, body: unknown, signal: AbortSignal, options: EmbeddingsOptions, served?: ServedReport): Promise<Record<string, unknown>> {
  const request = parseRequest(embeddingsRequestSchema, body);
  const inputs = listOfInputs(request.input);
  if (inputs.length <= options.batchSize) return llm.embeddings(request, signal, served);

  const batches: Array<typeof inputs> = [];
  for (let start = 0; start < inputs.length; start += options.batchSize) batches.push(inputs.slice(start, start + options.batchSize));
  const siblings = childSignal(signal);
  try {
    const answers = await pMap(
      batches,
      async (batch) => (await llm.embeddings({ ...request, input: batch }, siblings.signal, served)) as unknown as EmbeddingsResponse,
      { concurrency: options.concurrency },
    );
    return merge(answers, options.batchSize);
  } catch (error) {
    siblings.cancel(error);
    throw error;
  }
}

/** A single string or token list is one input; an array of them is many. */
export function listOfInputs(input: EmbeddingsRequest['input']): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as Array<string | number[]>;
}

function merge(answers: EmbeddingsResponse[], batchSize: number): Record<string, unknown> {
  let promptTokens = 0;
  let totalTokens = 0;
  const data: EmbeddingItem[] = [];
  answers.forEach((answer, batchIndex) => {
    const items = [...answer.data].sort((a, b) => a.index - b.index);
    for (const item of items) data.push({ ...item, index: batchIndex * batchSize + item.index });
    promptTokens += answer.usage?.prompt_tokens ?? 0;
    totalTokens += answer.usage?.total_tokens ?? 0;
  });
  return {
    object: 'list',
    data,
    model: answers[0]?.model,
    usage: { prompt_tokens: promptTokens, total_tokens: totalTokens },
  };
}
