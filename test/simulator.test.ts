/**
 * The fault-injecting upstream simulator over real HTTP: the OpenAI-compatible answers Levee and
 * the SDKs parse, every fault kind as a client meets it, the admin API, the counters tests rely
 * on (in_flight.max), reproducibility from the seed, and the standalone process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { InvalidFaultRuleError } from '../simulator/fault-rules.ts';
import type { FaultRuleView } from '../simulator/faults.ts';
import { SeededRandom } from '../simulator/random.ts';
import type { RequestLogEntry } from '../simulator/request-log.ts';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import type { StatsSnapshot } from '../simulator/stats.ts';
import { waitFor } from './support/wait-for.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
interface ChatCompletion {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; refusal: null; tool_calls?: ToolCall[] };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: Usage;
}
interface ChatChunk {
  id: string;
  object: string;
  model: string;
  system_fingerprint: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string | null; tool_calls?: unknown[] }; finish_reason: string | null }>;
  usage?: Usage | null;
}
interface EmbeddingList {
  object: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

let sim: SimulatorHandle;

interface Answer<Body> {
  status: number;
  headers: Headers;
  text: string;
  json: Body;
}

/** One request to the shared simulator; a `body` makes it a JSON POST. */
async function call<Body = unknown>(
  path: string,
  options: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<Answer<Body>> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${options.base ?? sim.origin}${path}`, {
    method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Body };
}

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'How high is the levee?' },
  ],
  ...extra,
});

const chat = (extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  call<ChatCompletion & ErrorBody>('/v1/chat/completions', { body: chatBody(extra), ...(headers ? { headers } : {}) });

const embed = (body: Record<string, unknown>) => call<EmbeddingList & ErrorBody>('/v1/embeddings', { body });

/** The data payloads of an SSE body, in order (`[DONE]` included as text). */
function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.length > 0)
    .map((event) => {
      assert.ok(event.startsWith('data: '), `an SSE data line: ${event}`);
      return event.slice('data: '.length);
    });
}

const stats = () => sim.stats();

/** A request over node:http, so a reset shows its real socket error code (fetch wraps it). */
function rawPost(url: string, body: unknown): Promise<{ data: string; error: NodeJS.ErrnoException | undefined; status: number | undefined }> {
  return new Promise((resolve) => {
    let data = '';
    let status: number | undefined;
    const payload = JSON.stringify(body);
    const outgoing = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      status = response.statusCode;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (data += chunk));
      response.on('end', () => resolve({ data, error: undefined, status }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ data, error, status }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ data, error, status }));
    outgoing.end(payload);
  });
}

/** Reads a streaming response chunk by chunk, noting when each SSE event arrived. */
async function readTimed(response: Response, startedAt: number, stopAfterEvents = Infinity): Promise<Array<{ data: string; atMs: number }>> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Array<{ data: string; atMs: number }> = [];
  let buffer = '';
  while (events.length < stopAfterEvents) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      events.push({ data: buffer.slice('data: '.length, end), atMs: performance.now() - startedAt });
      buffer = buffer.slice(end + 2);
    }
  }
  return events;
}

before(async () => {
  sim = await startSimulator({ seed: 42 });
});

after(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
});

describe('chat completions', () => {
  it('answers in the chat.completion shape, echoing the model and counting tokens', async () => {
    const { status, headers, json } = await chat({ model: 'gpt-4o-mini' });
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^application\/json/);
    assert.match(json.id, /^chatcmpl-sim-/);
    assert.equal(json.object, 'chat.completion');
    assert.equal(json.model, 'gpt-4o-mini');
    assert.equal(json.system_fingerprint, 'fp_sim');
    assert.ok(Math.abs(json.created - Date.now() / 1000) < 60);
    assert.equal(json.choices.length, 1);
    const [choice] = json.choices;
    assert.equal(choice?.index, 0);
    assert.equal(choice?.message.role, 'assistant');
    assert.equal(choice?.message.refusal, null);
    assert.equal(choice?.logprobs, null);
    assert.equal(choice?.finish_reason, 'stop');
    const content = choice?.message.content ?? '';
    assert.equal(content.split(' ').length, 16, 'sixteen words by default');
    const characters = 'You are terse.'.length + 'How high is the levee?'.length;
    assert.deepEqual(json.usage, { prompt_tokens: Math.ceil(characters / 4), completion_tokens: 16, total_tokens: Math.ceil(characters / 4) + 16 });
  });

  it('is deterministic per conversation, differs across conversations, and honours max_tokens up to 256', async () => {
    const first = await chat();
    const again = await chat();
    assert.notEqual(first.json.id, again.json.id, 'ids are unique');
    assert.equal(first.json.choices[0]?.message.content, again.json.choices[0]?.message.content);
    const other = await chat({ messages: [{ role: 'user', content: 'Something else entirely' }] });
    assert.notEqual(other.json.choices[0]?.message.content, first.json.choices[0]?.message.content);
    const short = await chat({ max_tokens: 3 });
    assert.equal(short.json.choices[0]?.message.content?.split(' ').length, 3);
    assert.equal(short.json.usage.completion_tokens, 3);
    const capped = await chat({ max_completion_tokens: 1000 });
    assert.equal(capped.json.usage.completion_tokens, 256);
  });

  it('streams role, one chunk per word, finish, then [DONE], matching the whole answer', async () => {
    const whole = await chat({ max_tokens: 5 });
    const { status, headers, text } = await chat({ max_tokens: 5, stream: true });
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'text/event-stream');
    const events = sseData(text);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as ChatChunk);
    assert.equal(chunks.length, 1 + 5 + 1);
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, chunks[0]?.id);
      assert.equal(chunk.model, 'gpt-4o');
      assert.equal(chunk.system_fingerprint, 'fp_sim');
      assert.equal(chunk.usage, undefined, 'no usage field unless asked for');
      assert.equal(chunk.choices.length, 1);
    }
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '', refusal: null });
    const words = chunks.slice(1, -1).map((chunk) => chunk.choices[0]?.delta.content);
    assert.equal(words.join(''), whole.json.choices[0]?.message.content);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.choices[0]?.finish_reason === null));
    assert.deepEqual(chunks.at(-1)?.choices[0]?.delta, {});
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
  });

  it('adds a usage chunk with empty choices before [DONE] when include_usage is set', async () => {
    const { text } = await chat({ max_tokens: 4, stream: true, stream_options: { include_usage: true } });
    const events = sseData(text);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as ChatChunk);
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.completion_tokens, 4);
    assert.equal(last?.usage?.total_tokens, (last?.usage?.prompt_tokens ?? 0) + 4);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null), 'earlier chunks carry usage: null, as OpenAI sends');
  });

  it('answers with a tool call when tool_choice forces one, and rejects an undeclared function', async () => {
    const tools = [
      { type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'measure' } },
    ];
    const required = await chat({ tools, tool_choice: 'required' });
    const [choice] = required.json.choices;
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    assert.equal(choice?.message.tool_calls?.length, 1);
    assert.equal(choice?.message.tool_calls?.[0]?.type, 'function');
    assert.deepEqual(choice?.message.tool_calls?.[0]?.function, { name: 'lookup', arguments: '{}' });
    const named = await chat({ tools, tool_choice: { type: 'function', function: { name: 'measure' } } });
    assert.equal(named.json.choices[0]?.message.tool_calls?.[0]?.function.name, 'measure');
    const auto = await chat({ tools, tool_choice: 'auto' });
    assert.equal(auto.json.choices[0]?.finish_reason, 'stop');
    const streamed = await chat({ tools, tool_choice: 'required', stream: true });
    const chunks = sseData(streamed.text).slice(0, -1).map((data) => JSON.parse(data) as ChatChunk);
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
    const undeclared = await chat({ tools, tool_choice: { type: 'function', function: { name: 'nope' } } });
    assert.equal(undeclared.status, 400);
    assert.equal(undeclared.json.error.param, 'tool_choice');
  });

  it('rejects bodies without a model or messages, and malformed JSON, in OpenAI error shape', async () => {
    const noModel = await call<ErrorBody>('/v1/chat/completions', { body: { messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(noModel.status, 400);
    assert.equal(noModel.json.error.type, 'invalid_request_error');
    assert.equal(noModel.json.error.param, 'model');
    assert.ok('code' in noModel.json.error);
    const noMessages = await chat({ messages: [] });
    assert.equal(noMessages.status, 400);
    assert.equal(noMessages.json.error.param, 'messages');
    const badMaxTokens = await chat({ max_tokens: 0 });
    assert.equal(badMaxTokens.json.error.param, 'max_tokens');
    const malformed = await call<ErrorBody>('/v1/chat/completions', { raw: '{"model":' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.type, 'invalid_request_error');
    const unknown = await call<ErrorBody>('/v1/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.type, 'invalid_request_error');
    const wrongMethod = await call<ErrorBody>('/v1/chat/completions');
    assert.equal(wrongMethod.status, 405);
    assert.equal(stats().by_status['400'], 4, 'failed requests are counted too');
  });
});

describe('embeddings', () => {
  const decode = (base64: string): number[] => {
    const bytes = Buffer.from(base64, 'base64');
    return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  };
  const norm = (vector: number[]): number => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

  it('returns the same unit vector as floats and as base64 little-endian float32', async () => {
    const floats = await embed({ model: 'text-embedding-3-small', input: 'the river rises' });
    const base64 = await embed({ model: 'text-embedding-3-small', input: 'the river rises', encoding_format: 'base64' });
    assert.equal(floats.status, 200);
    assert.equal(floats.json.object, 'list');
    assert.equal(floats.json.model, 'text-embedding-3-small');
    assert.deepEqual(floats.json.usage, { prompt_tokens: 4, total_tokens: 4 });
    const vector = floats.json.data[0]?.embedding as number[];
    assert.equal(floats.json.data[0]?.object, 'embedding');
    assert.equal(vector.length, 1536);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
    assert.equal(typeof base64.json.data[0]?.embedding, 'string');
    assert.deepEqual(decode(base64.json.data[0]?.embedding as string), vector);
  });

  it('is deterministic per text, differs across texts and models, and keeps batch order', async () => {
    const one = async (input: string, model = 'text-embedding-3-small') =>
      (await embed({ model, input })).json.data[0]?.embedding as number[];
    const [a, aAgain, b, aLarge] = [await one('alpha'), await one('alpha'), await one('beta'), await one('alpha', 'text-embedding-3-large')];
    assert.deepEqual(a, aAgain);
    assert.notDeepEqual(a, b);
    assert.equal(aLarge.length, 3072);
    assert.notDeepEqual(aLarge.slice(0, 1536), a);
    const batch = await embed({ model: 'text-embedding-3-small', input: ['beta', 'alpha', 'gamma'] });
    assert.deepEqual(batch.json.data.map((item) => item.index), [0, 1, 2]);
    assert.deepEqual(batch.json.data[0]?.embedding, b);
    assert.deepEqual(batch.json.data[1]?.embedding, a);
    const ada = await embed({ model: 'text-embedding-ada-002', input: [[1, 2, 3], [4, 5]] });
    assert.equal(ada.status, 200);
    assert.equal((ada.json.data[1]?.embedding as number[]).length, 1536);
    assert.equal(ada.json.usage.prompt_tokens, 5, 'token inputs count one token each');
  });

  it('honours dimensions with a shortened unit vector, and refuses more than the model has', async () => {
    const short = await embed({ model: 'text-embedding-3-large', input: 'alpha', dimensions: 256 });
    const vector = short.json.data[0]?.embedding as number[];
    assert.equal(vector.length, 256);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
    const tooMany = await embed({ model: 'text-embedding-3-small', input: 'alpha', dimensions: 2000 });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.json.error.param, 'dimensions');
  });

  it('rejects empty input, more than 2048 items, and a missing model', async () => {
    for (const body of [
      { model: 'text-embedding-3-small', input: '' },
      { model: 'text-embedding-3-small', input: [] },
      { model: 'text-embedding-3-small', input: ['ok', ''] },
      { model: 'text-embedding-3-small', input: Array.from({ length: 2049 }, () => 'x') },
      { model: 'text-embedding-3-small', input: [{ text: 'no' }] },
      { input: 'no model' },
    ]) {
      const { status, json } = await embed(body);
      assert.equal(status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(json.error.type, 'invalid_request_error');
      assert.equal(json.error.param, 'input' in body && body.model ? 'input' : 'model');
    }
    const most = await embed({ model: 'text-embedding-3-small', input: Array.from({ length: 2048 }, (_, index) => `t${index}`), dimensions: 8 });
    assert.equal(most.status, 200);
    assert.equal(most.json.data.length, 2048);
  });
});

describe('models and authentication', () => {
  it('lists the simulated models', async () => {
    const { status, json } = await call<{ object: string; data: Array<{ id: string; object: string; created: number; owned_by: string }> }>('/v1/models');
    assert.equal(status, 200);
    assert.equal(json.object, 'list');
    assert.deepEqual(
      json.data.map((model) => model.id),
      ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'],
    );
    assert.ok(json.data.every((model) => model.object === 'model' && model.owned_by === 'levee-simulator' && model.created > 0));
    assert.equal((await call('/v1/models/gpt-4o')).status, 200);
    assert.equal((await call('/v1/models/gpt-9')).status, 404);
  });

  it('requires the bearer key when started with one, leaves the admin API open, and seeds from its own options', async () => {
    const guarded = await startSimulator({ apiKey: 'sk-sim-secret', seed: 7, embeddingDimension: 8 });
    try {
      const base = guarded.origin;
      const missing = await call<ErrorBody>('/v1/models', { base });
      assert.equal(missing.status, 401);
      assert.equal(missing.json.error.code, 'invalid_api_key');
      assert.equal(missing.json.error.type, 'invalid_request_error');
      const wrong = await call('/v1/models', { base, headers: { authorization: 'Bearer sk-other' } });
      assert.equal(wrong.status, 401);
      const auth = { authorization: 'Bearer sk-sim-secret' };
      assert.equal((await call('/v1/models', { base, headers: auth })).status, 200);
      assert.equal((await call('/_sim/stats', { base })).status, 200);
      const otherSeed = await call<ChatCompletion>('/v1/chat/completions', { base, headers: auth, body: chatBody() });
      assert.notEqual(otherSeed.json.choices[0]?.message.content, (await chat()).json.choices[0]?.message.content);
      const unknownModel = await call<EmbeddingList>('/v1/embeddings', { base, headers: auth, body: { model: 'my-embedder', input: 'x' } });
      assert.equal((unknownModel.json.data[0]?.embedding as number[]).length, 8, 'embeddingDimension for unknown models');
      assert.equal(guarded.stats().by_status['401'], 2);
    } finally {
      await guarded.close();
    }
  });
});

describe('faults', () => {
  it('answers an error fault with its status, OpenAI body and Retry-After', async () => {
    sim.addFault({ route: 'chat', fault: { type: 'error', status: 429, retryAfterS: 1.5 } });
    const { status, headers, json } = await chat();
    assert.equal(status, 429);
    assert.equal(headers.get('retry-after'), '2');
    assert.equal(headers.get('retry-after-ms'), '1500');
    assert.equal(json.error.code, 'rate_limit_exceeded');
    assert.equal(typeof json.error.message, 'string');
    assert.equal((await call('/v1/models')).status, 200, 'route targeting leaves other routes alone');
    sim.setFaults([{ fault: { type: 'error', status: 503, message: 'down for a bit' } }]);
    const custom = await chat();
    assert.equal(custom.status, 503);
    assert.equal(custom.json.error.message, 'down for a bit');
    assert.equal(custom.json.error.type, 'server_error');
    assert.deepEqual(stats().by_outcome, { ok: 1, error: 2, hang: 0, reset: 0, stall: 0, aborted: 0 });
  });

  it('delays by a fixed latency, and answers an error after the latency when both match', async () => {
    const latencyId = sim.addFault({ fault: { type: 'latency', distribution: { kind: 'fixed', ms: 150 } } });
    let startedAt = performance.now();
    assert.equal((await chat()).status, 200);
    const elapsed = performance.now() - startedAt;
    assert.ok(elapsed >= 145 && elapsed < 1_000, `fixed latency of 150 ms took ${elapsed} ms`);
    const errorId = sim.addFault({ fault: { type: 'error', status: 502 } });
    startedAt = performance.now();
    const combined = await chat();
    assert.equal(combined.status, 502);
    assert.ok(performance.now() - startedAt >= 145, 'the error came after the latency');
    assert.equal(combined.headers.get('x-sim-faults'), `${latencyId},${errorId}`);
  });

  it('steps latency up at atMs after the rule was installed', async () => {
    sim.addFault({ fault: { type: 'latency', distribution: { kind: 'step', beforeMs: 0, afterMs: 150, atMs: 100 } } });
    // The in-process simulator took its install time on this clock, before this line.
    const stepAt = performance.now() + 100;
    let startedAt = performance.now();
    await call('/v1/models');
    assert.ok(performance.now() - startedAt < 100, 'fast before the step');
    // The step's time is the subject: nothing shows it has passed but a slow answer, which is
    // what is asserted, so wait out the time itself.
    await delay(Math.max(0, stepAt + 1 - performance.now()));
    startedAt = performance.now();
    await call('/v1/models');
    assert.ok(performance.now() - startedAt >= 145, 'slow after the step');
  });

  it('hangs until the client gives up, counting the request and freeing it', async () => {
    sim.addFault({ fault: { type: 'hang' } });
    const startedAt = performance.now();
    const result = await fetch(`${sim.url}/models`, { signal: AbortSignal.timeout(150) }).catch((error: Error) => error);
    assert.ok(result instanceof Error, 'the request never got an answer');
    assert.equal(result.name, 'TimeoutError');
    assert.ok(performance.now() - startedAt >= 140);
    await waitFor(() => stats().in_flight.current === 0, { timeoutMs: 2_000, what: 'the hung request to close' });
    const snapshot = stats();
    assert.equal(snapshot.total, 1);
    assert.equal(snapshot.by_outcome.hang, 1);
    assert.deepEqual(snapshot.by_status, {}, 'nothing was answered');
  });

  it('resets the connection so the client sees ECONNRESET', async () => {
    sim.addFault({ fault: { type: 'reset' } });
    const { error, status } = await rawPost(`${sim.url}/chat/completions`, chatBody());
    assert.equal(status, undefined);
    assert.equal(error?.code, 'ECONNRESET');
    await waitFor(() => stats().by_outcome.reset === 1, { timeoutMs: 2_000, what: 'the reset to be counted' });
  });

  it('slow-stream: sends headers at once and the first chunk after ttftMs, with gaps between chunks', async () => {
    sim.addFault({ route: 'chat', fault: { type: 'slow-stream', ttftMs: 200, chunkGapMs: 30 } });
    const startedAt = performance.now();
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody({ stream: true, max_tokens: 3 })) });
    const headersAfter = performance.now() - startedAt;
    assert.equal(response.status, 200);
    assert.ok(headersAfter < 150, `headers arrived after ${headersAfter} ms`);
    const events = await readTimed(response, startedAt);
    assert.equal(events.length, 1 + 3 + 1 + 1);
    assert.equal(events.at(-1)?.data, '[DONE]');
    assert.ok((events[0]?.atMs ?? 0) >= 195, `first chunk at ${events[0]?.atMs} ms`);
    assert.ok((events.at(-1)?.atMs ?? 0) - (events[0]?.atMs ?? 0) >= 4 * 30 - 5, 'gaps between chunks');
    const whole = await chat({ max_tokens: 1 }, { 'x-sim-fault': JSON.stringify({ fault: { type: 'slow-stream', ttftMs: 100 } }) });
    assert.equal(whole.status, 200, 'non-streaming requests take ttftMs as latency');
  });

  it('slow-stream: stalls after N chunks until the client leaves, or for stallMs', async () => {
    sim.addFault({ count: 1, fault: { type: 'slow-stream', stallAfterChunks: 2 } });
    const controller = new AbortController();
    const startedAt = performance.now();
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody({ stream: true })), signal: controller.signal });
    const reader = response.body!.getReader();
    let text = '';
    while (sseData(text).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const next = await Promise.race([reader.read().then(() => 'more'), new Promise((resolve) => setTimeout(() => resolve('stalled'), 200))]);
    assert.equal(next, 'stalled');
    assert.equal(sseData(text).length, 2);
    controller.abort();
    await waitFor(() => stats().in_flight.current === 0, { timeoutMs: 2_000, what: 'the stalled stream to close' });
    assert.equal(stats().by_outcome.stall, 1);
    assert.ok(performance.now() - startedAt < 1_000);

    sim.addFault({ count: 1, fault: { type: 'slow-stream', stallAfterChunks: 1, stallMs: 150 } });
    const resumedAt = performance.now();
    const resumed = await chat({ stream: true, max_tokens: 2 });
    assert.ok(performance.now() - resumedAt >= 145);
    assert.equal(sseData(resumed.text).at(-1), '[DONE]');
  });

  it('slow-stream: resets the connection after resetAfterChunks chunks', async () => {
    sim.addFault({ fault: { type: 'slow-stream', resetAfterChunks: 3 } });
    const { status, data, error } = await rawPost(`${sim.url}/chat/completions`, chatBody({ stream: true }));
    assert.equal(status, 200);
    assert.equal(error?.code, 'ECONNRESET');
    assert.equal(sseData(data).length, 3);
    assert.ok(!data.includes('[DONE]'));
    await waitFor(() => stats().by_outcome.reset === 1, { timeoutMs: 2_000, what: 'the reset to be counted' });
    const viaFetch = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody({ stream: true })) });
    assert.equal(viaFetch.status, 200);
    await assert.rejects(viaFetch.text(), TypeError, 'fetch reports the cut stream');
  });

  it('targets a model, expires after count, and lets the first rule of each kind win', async () => {
    sim.setFaults([
      { id: 'gpt4o-down', model: 'gpt-4o', count: 2, fault: { type: 'error', status: 500 } },
      { id: 'spare', route: 'chat', count: 1, fault: { type: 'error', status: 503 } },
    ]);
    assert.equal((await chat({ model: 'gpt-4o' })).status, 500);
    const listed = await call<{ rules: FaultRuleView[] }>('/_sim/faults');
    assert.deepEqual(listed.json.rules.map((rule) => [rule.id, rule.remaining]), [['gpt4o-down', 1], ['spare', 1]], 'the second error rule was not spent');
    assert.equal((await chat({ model: 'gpt-4o' })).status, 500);
    assert.deepEqual(sim.faults().map((rule) => rule.id), ['spare'], 'the expired rule is gone');
    assert.equal((await chat({ model: 'gpt-4o-mini' })).status, 503);
    assert.equal((await chat({ model: 'gpt-4o' })).status, 200);
    assert.deepEqual(stats().by_model, { 'gpt-4o': 3, 'gpt-4o-mini': 1 });
  });

  it('replays the same outcomes for probability 0.5 after /_sim/reset, and others for another seed', async () => {
    const rule = { probability: 0.5, fault: { type: 'error', status: 503 } };
    const run = async (base = sim.origin): Promise<number[]> => {
      assert.equal((await call('/_sim/reset', { method: 'POST', base })).status, 200);
      assert.equal((await call('/_sim/faults', { body: rule, base })).status, 201);
      const statuses: number[] = [];
      for (let index = 0; index < 24; index += 1) statuses.push((await call('/v1/models', { base })).status);
      return statuses;
    };
    const first = await run();
    assert.ok(first.includes(200) && first.includes(503), `both outcomes: ${first.join(',')}`);
    assert.deepEqual(await run(), first);
    const other = await startSimulator({ seed: 1234 });
    try {
      assert.notDeepEqual(await run(other.origin), first);
    } finally {
      await other.close();
    }
  });

  it('applies an X-Sim-Fault header rule to that request only, and rejects a bad one', async () => {
    const header = { 'x-sim-fault': JSON.stringify({ fault: { type: 'error', status: 504 } }) };
    assert.equal((await chat({}, header)).status, 504);
    assert.equal((await chat()).status, 200);
    const notJson = await chat({}, { 'x-sim-fault': '{nope' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error.param, 'x-sim-fault');
    const badRule = await chat({}, { 'x-sim-fault': JSON.stringify({ fault: { type: 'error', status: 418 } }) });
    assert.equal(badRule.status, 400);
    assert.equal(badRule.json.error.param, 'x-sim-fault.fault.status');
  });
});

describe('counters, log and admin API', () => {
  it('tracks the high-water mark of concurrent requests', async () => {
    sim.addFault({ fault: { type: 'latency', distribution: { kind: 'fixed', ms: 100 } } });
    await Promise.all(Array.from({ length: 5 }, () => call('/v1/models')));
    await waitFor(() => stats().in_flight.current === 0, { timeoutMs: 2_000, what: 'requests to close' });
    assert.deepEqual(stats().in_flight, { current: 0, max: 5 });
    assert.equal((await call('/_sim/stats/reset', { method: 'POST' })).status, 200);
    for (let index = 0; index < 3; index += 1) await call('/v1/models');
    const snapshot = (await call<StatsSnapshot>('/_sim/stats')).json;
    assert.equal(snapshot.in_flight.max, 1);
    assert.equal(snapshot.total, 3);
    assert.deepEqual(snapshot.by_route, { chat: 0, embeddings: 0, models: 3 });
    assert.deepEqual(snapshot.by_status, { '200': 3 });
  });

  it('logs recent /v1 requests with credentials redacted, keeping the last 200', async () => {
    await chat({ stream: false }, { authorization: 'Bearer sk-very-secret', 'x-trace': 'abc' });
    const [entry] = (await call<{ requests: RequestLogEntry[] }>('/_sim/requests')).json.requests;
    assert.equal(entry?.method, 'POST');
    assert.equal(entry?.path, '/v1/chat/completions');
    assert.equal(entry?.route, 'chat');
    assert.equal(entry?.model, 'gpt-4o');
    assert.equal(entry?.stream, false);
    assert.equal(entry?.headers.authorization, '[redacted]');
    assert.equal(entry?.headers['x-trace'], 'abc');
    assert.deepEqual(entry?.body, chatBody({ stream: false }));
    assert.ok(Date.now() - Date.parse(entry?.at ?? '') < 10_000);
    assert.ok(!JSON.stringify(sim.requests()).includes('sk-very-secret'));
    for (let index = 0; index < 205; index += 1) await call(`/v1/models?n=${index}`);
    const requests = sim.requests();
    assert.equal(requests.length, 200);
    assert.equal(requests.at(-1)?.path, '/v1/models?n=204');
    assert.equal(requests[0]?.path, '/v1/models?n=5');
  });

  it('installs, lists, replaces and removes rules, naming the field of a bad one', async () => {
    const added = await call<{ id: string }>('/_sim/faults', { body: { id: 'slow', fault: { type: 'latency', distribution: { kind: 'normal', meanMs: 1, stdDevMs: 1 } } } });
    assert.equal(added.status, 201);
    assert.equal(added.json.id, 'slow');
    assert.equal((await call<ErrorBody>('/_sim/faults', { body: { id: 'slow', fault: { type: 'hang' } } })).status, 400, 'duplicate id');
    const replaced = await call<{ ids: string[]; rules: FaultRuleView[] }>('/_sim/faults', {
      method: 'PUT',
      body: { rules: [{ fault: { type: 'reset' } }, { route: 'embeddings', count: 3, fault: { type: 'error', status: 500 } }] },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.json.ids.length, 2);
    assert.deepEqual(replaced.json.rules.map((rule) => [rule.route, rule.probability, rule.remaining]), [['*', 1, null], ['embeddings', 1, 3]]);
    const bad = await call<ErrorBody>('/_sim/faults', {
      method: 'PUT',
      body: { rules: [{ fault: { type: 'hang' } }, { fault: { type: 'latency', distribution: { kind: 'fixed', ms: -1 } } }] },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'rules.1.fault.distribution.ms');
    assert.match(bad.json.error.message, /rules\.1\.fault\.distribution\.ms/);
    assert.equal(sim.faults().length, 2, 'a rejected replacement leaves the rules alone');
    const typo = await call<ErrorBody>('/_sim/faults', { body: { probabilty: 0.5, fault: { type: 'hang' } } });
    assert.equal(typo.status, 400, 'unknown fields are rejected');
    const removed = await call('/_sim/faults/' + (replaced.json.ids[0] ?? ''), { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal((await call('/_sim/faults/nope', { method: 'DELETE' })).status, 404);
    assert.deepEqual(await call('/_sim/faults', { method: 'DELETE' }).then((answer) => answer.json), { removed: 1 });
    assert.deepEqual(sim.faults(), []);
    assert.throws(() => sim.addFault({ fault: { type: 'error', status: 418 as 500 } }), InvalidFaultRuleError);
    assert.equal((await call('/_sim/faults', { raw: '{' })).status, 400);
    assert.equal((await call('/_sim/nope')).status, 404);
    assert.equal(stats().total, 0, 'admin requests are not counted');
  });

  it('close() ends hanging requests instead of waiting for them', async () => {
    const doomed = await startSimulator();
    doomed.addFault({ fault: { type: 'hang' } });
    const hanging = fetch(`${doomed.url}/models`).catch((error: Error) => error);
    await waitFor(() => doomed.stats().by_outcome.hang === 1, { timeoutMs: 2_000, what: 'the request to hang' });
    const startedAt = performance.now();
    await doomed.close();
    assert.ok(performance.now() - startedAt < 500);
    assert.ok((await hanging) instanceof Error);
  });
});

describe('distributions', () => {
  it('fits the long tail to its median and p99, and the normal to its mean', () => {
    const random = new SeededRandom(42);
    const samples = Array.from({ length: 20_000 }, () => random.longTail(100, 1_000)).sort((a, b) => a - b);
    const median = samples[10_000] ?? 0;
    const p99 = samples[19_800] ?? 0;
    assert.ok(median > 93 && median < 107, `median ${median}`);
    assert.ok(p99 > 850 && p99 < 1_150, `p99 ${p99}`);
    const normals = Array.from({ length: 20_000 }, () => random.normal(50, 10));
    const mean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    assert.ok(Math.abs(mean - 50) < 0.5, `mean ${mean}`);
  });
});

describe('npm run simulator (simulator/main.ts)', () => {
  it('listens where the environment says, prints one JSON line, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['simulator/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SIM_PORT: '0', SIM_SEED: '7', SIM_API_KEY: 'sk-main-key' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = once(child, 'exit');
    await waitFor(() => stdout.includes('\n'), { timeoutMs: 5_000, what: 'the listening line' });
    const line = JSON.parse(stdout.split('\n')[0] ?? '') as { msg: string; url: string };
    assert.equal(line.msg, 'simulator listening');
    assert.match(line.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.ok(!stdout.includes('sk-main-key'));
    const models = await fetch(`${line.url}/models`, { headers: { authorization: 'Bearer sk-main-key' } });
    assert.equal(models.status, 200);
    await models.arrayBuffer();
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('refuses bad settings with every problem listed and exit code 1', async () => {
    const child = spawn(process.execPath, ['simulator/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SIM_PORT: '99999', SIM_EMBEDDING_DIMENSION: 'wide' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /SIM_PORT/);
    assert.match(stderr, /SIM_EMBEDDING_DIMENSION/);
  });
});
