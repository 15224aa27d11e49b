/**
 * The simulator's OpenAI-compatible API over real HTTP, as Levee and the SDKs parse it: chat
 * completions (whole and streamed, tool calls), embeddings, the model list, the bearer key, and
 * requests refused in OpenAI's error shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../simulator/server.ts';
import {
  call,
  chat,
  chatBody,
  embed,
  sseData,
  stats,
  useSharedSimulator,
  type ChatChunk,
  type ChatCompletion,
  type EmbeddingList,
  type ErrorBody,
} from './support/simulator-client.ts';

useSharedSimulator();

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

  it('embeds hashed word features: texts that share words are close, whatever their case and punctuation', async () => {
    const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);
    const texts = ['river levee flood', 'Levee, RIVER!', 'pumps drain polders', 'Ελλάδα ποτάμι', 'ΕΛΛΆΔΑ', '!!!'];
    const [riverLevee, levee, pumps, greek, greekUpper, noWords] = (await embed({ model: 'text-embedding-3-small', input: texts })).json.data.map((item) => item.embedding as number[]);
    assert.ok(cosine(riverLevee!, levee!) > 0.6 && cosine(riverLevee!, levee!) < 0.99, `two of three words shared: ${cosine(riverLevee!, levee!)}`);
    assert.ok(Math.abs(cosine(riverLevee!, pumps!)) < 0.2, `no word shared: ${cosine(riverLevee!, pumps!)}`);
    assert.ok(cosine(greek!, greekUpper!) > 0.5, 'any script, lower-cased');
    assert.ok(Math.abs(norm(noWords!) - 1) < 1e-5, 'a text without words is a unit vector too');
    const [tokens, sharedTokens, otherTokens] = (await embed({ model: 'text-embedding-ada-002', input: [[11, 12, 13], [11, 12, 99], [7, 8, 9]] })).json.data.map((item) => item.embedding as number[]);
    assert.ok(cosine(tokens!, sharedTokens!) > 0.5 && Math.abs(cosine(tokens!, otherTokens!)) < 0.2, 'token ids count as words');
  });

  it('shortens to exactly the first N values renormalised', async () => {
    const text = 'the river rises over the levee';
    const full = (await embed({ model: 'text-embedding-3-large', input: text })).json.data[0]?.embedding as number[];
    const short = (await embed({ model: 'text-embedding-3-large', input: text, dimensions: 256 })).json.data[0]?.embedding as number[];
    const prefixNorm = norm(full.slice(0, 256));
    short.forEach((value, index) => assert.ok(Math.abs(value - full[index]! / prefixNorm) < 1e-6, `value ${index}`));
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
