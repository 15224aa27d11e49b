/**
 * The load scenarios on the chat and embeddings routes: `chat` (max and half of the baseline's
 * max), `chat-stream`, `embeddings-64` and `breaker-open`. Search lives in search-scenario.ts.
 */
import { runPacedLoad } from './paced-load.ts';
import { runLoad, type LoadOptions } from './load.ts';
import { BENCH_PROVIDERS } from './processes.ts';
import type { ScenarioResult } from './results.ts';
import { call, measure, uniqueTexts, type BenchContext, type Target } from './scenario-runner.ts';
import { runStreams } from './stream-client.ts';

const CHAT_PATH = '/v1/chat/completions';
const MESSAGES = [{ role: 'user', content: 'Summarise the benefits of circuit breakers in two sentences.' }];
/**
 * No `temperature: 0` and no `seed`: not cacheable (README "Caches"), so identical bodies take
 * the proxy path every time. checkChatNotCached verifies that on each Levee target.
 */
export const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES });
export const CHAT_STREAM_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
export const EMBEDDING_INPUTS = 64;
export const EMBEDDING_MODEL = 'text-embedding-3-small';

/** autocannon against one target, with the context's connections unless the options say otherwise. */
function loadRun(context: BenchContext, target: Target, options: Omit<LoadOptions, 'origin' | 'connections' | 'durationSeconds'> & { connections?: number }) {
  const base = { connections: context.settings.connections, ...options, origin: target.process.origin };
  return {
    warmup: (seconds: number) => runLoad({ ...base, durationSeconds: seconds }),
    run: (seconds: number, pid: number) => runLoad({ ...base, durationSeconds: seconds, pid }),
  };
}

/** Two identical chat requests: the second must not be a cache hit, or `chat` would measure the cache. */
export async function checkChatNotCached(target: Target): Promise<void> {
  for (let index = 0; index < 2; index += 1) {
    const { headers } = await call(target.process.origin, CHAT_PATH, { body: JSON.parse(CHAT_BODY) });
    const cache = headers.get('x-cache');
    if (cache !== null && cache !== 'MISS') {
      throw new Error(`${target.name}: the chat body is served from the cache (X-Cache: ${cache}); the chat scenario would measure the cache`);
    }
  }
}

/** Non-streaming chat at full speed on every target; returns Levee's (no Redis) median throughput. */
export async function chatMax(context: BenchContext): Promise<number> {
  let leveeMax = 0;
  for (const target of context.targets) {
    const level = `max (${context.settings.connections} connections)`;
    const result = await measure(context, { scenario: 'chat', target, level, ...loadRun(context, target, { path: CHAT_PATH, body: CHAT_BODY }) });
    if (target.name === 'levee') leveeMax = result.median.throughput;
  }
  return leveeMax;
}

/**
 * Levee with production-style trace sampling (OTEL_TRACES_SAMPLER=parentbased_traceidratio, 0.1):
 * non-streaming chat at full speed, reported beside the defaults (target 1 asks for both).
 */
export async function chatMaxSampled(context: BenchContext, sampled: Target): Promise<void> {
  const level = `max (${context.settings.connections} connections)`;
  await measure(context, { scenario: 'chat', target: sampled, level, ...loadRun(context, sampled, { path: CHAT_PATH, body: CHAT_BODY }) });
}

/** The Portkey gateway beside them: non-streaming chat at full speed, the same load (target 6: Levee ÷ Portkey). */
export async function chatMaxPortkey(context: BenchContext, portkey: Target, headers: Record<string, string>): Promise<void> {
  const level = `max (${context.settings.connections} connections)`;
  await measure(context, { scenario: 'chat', target: portkey, level, ...loadRun(context, portkey, { path: CHAT_PATH, body: CHAT_BODY, headers }) });
}

/**
 * Non-streaming chat at half of Levee's own max throughput, every target at that same rate, under
 * an evenly paced open-loop load timed from each request's due time (paced-load.ts): the added
 * tail latency an SRE would see at a comfortable load.
 */
export async function chatHalf(context: BenchContext, leveeMax: number): Promise<ScenarioResult[]> {
  const rate = Math.max(1, Math.round(leveeMax / 2));
  const results: ScenarioResult[] = [];
  for (const target of context.targets) {
    const level = `half of levee max (${rate} req/s, paced)`;
    const paced = (seconds: number, pid?: number) =>
      runPacedLoad({ origin: target.process.origin, path: CHAT_PATH, body: CHAT_BODY, connections: context.settings.connections, ratePerSecond: rate, durationSeconds: seconds, ...(pid === undefined ? {} : { pid }) });
    results.push(await measure(context, { scenario: 'chat', target, level, warmup: (seconds) => paced(seconds), run: paced }));
  }
  return results;
}

/** Streaming chat with our own client: time to first byte and completed streams per second; returns Levee's median streams/s. */
export async function chatStream(context: BenchContext): Promise<number> {
  const concurrency = context.settings.connections;
  let leveeMax = 0;
  for (const target of context.targets) {
    const options = { origin: target.process.origin, body: CHAT_STREAM_BODY, concurrency };
    const result = await measure(context, {
      scenario: 'chat-stream',
      target,
      level: `max (${concurrency} concurrent streams)`,
      warmup: (seconds) => runStreams({ ...options, durationSeconds: seconds }),
      run: (seconds, pid) => runStreams({ ...options, durationSeconds: seconds, pid }),
    });
    if (target.name === 'levee') leveeMax = result.median.throughput;
  }
  return leveeMax;
}

/**
 * Streaming chat at half of Levee's own max streams per second, every target at that rate, paced
 * open loop (as chatHalf), each stream timed from its due time to the first byte of its body.
 */
export async function chatStreamHalf(context: BenchContext, leveeMax: number): Promise<void> {
  const rate = Math.max(1, Math.round(leveeMax / 2));
  for (const target of context.targets) {
    const level = `half of levee max (${rate} streams/s, paced, time to first byte)`;
    const paced = (seconds: number, pid?: number) =>
      runPacedLoad({ origin: target.process.origin, path: CHAT_PATH, body: CHAT_STREAM_BODY, connections: context.settings.connections, ratePerSecond: rate, durationSeconds: seconds, toFirstByte: true, ...(pid === undefined ? {} : { pid }) });
    await measure(context, { scenario: 'chat-stream', target, level, warmup: (seconds) => paced(seconds), run: paced });
  }
}

/**
 * One request embedding 64 inputs (base64, as the OpenAI SDKs ask by default), every input text
 * unique so Levee's per-item embeddings cache always misses.
 */
export async function embeddings(context: BenchContext): Promise<void> {
  const text = uniqueTexts('The quick brown fox jumps over the lazy dog, benchmark item');
  const body = () =>
    JSON.stringify({
      model: EMBEDDING_MODEL,
      encoding_format: 'base64',
      input: Array.from({ length: EMBEDDING_INPUTS }, () => text()),
    });
  for (const target of context.targets) {
    await measure(context, {
      scenario: 'embeddings-64',
      target,
      level: `max (${context.settings.connections} connections)`,
      ...loadRun(context, target, { path: '/v1/embeddings', body }),
    });
  }
}

/** Level name prefix of the breaker-open run without queueing (the fast-fail target's figure). */
export const SINGLE_CONNECTION = 'single connection';

/**
 * The LLM breakers isolated through the admin API; chat answered 503 at once (expected). Levee
 * targets only. Two levels: hammered with the usual connections (throughput; latency there is
 * mostly waiting in line, ≈ connections / throughput), and one connection in a closed loop (the
 * fast-fail's own latency, which the ≤ 1 ms target is about).
 */
export async function breakerOpen(context: BenchContext): Promise<void> {
  const { connections } = context.settings;
  for (const target of context.targets.filter((candidate) => candidate.name !== 'baseline')) {
    const admin = { method: 'POST', token: context.adminToken };
    // The breaker is per provider: every provider the model routes to is isolated.
    for (const provider of BENCH_PROVIDERS) await call(target.process.origin, `/admin/circuit-breakers/llm/${provider}/isolate`, admin);
    try {
      await call(target.process.origin, CHAT_PATH, { body: JSON.parse(CHAT_BODY), expect: [503] });
      for (const [level, count] of [[`max (${connections} connections), 503 expected`, connections], [`${SINGLE_CONNECTION}, 503 expected`, 1]] as const) {
        const options = { path: CHAT_PATH, body: CHAT_BODY, expectedStatuses: [503], connections: count };
        await measure(context, { scenario: 'breaker-open', target, level, ...loadRun(context, target, options) });
      }
    } finally {
      for (const provider of BENCH_PROVIDERS) await call(target.process.origin, `/admin/circuit-breakers/llm/${provider}/reset`, admin);
    }
  }
}
