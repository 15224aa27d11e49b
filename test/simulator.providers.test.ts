/**
 * The simulator playing one of several providers: its own model list (OpenAI's 404
 * model_not_found for any other model) and OpenAI's request rate limit (x-ratelimit-* headers,
 * 429 rate_limit_exceeded with retry-after), set at start, through /_sim/rate-limit or the handle.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { formatDuration, type RateLimitView } from '../simulator/rate-limit.ts';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../simulator/server.ts';
import { call, chatBody, sseData, type EmbeddingList, type ErrorBody } from './support/simulator-client.ts';
import { waitFor } from './support/wait-for.ts';

const started: SimulatorHandle[] = [];
after(() => Promise.all(started.map((simulator) => simulator.close())));

async function start(options: SimulatorOptions): Promise<SimulatorHandle> {
  const simulator = await startSimulator(options);
  started.push(simulator);
  return simulator;
}

const listing = async (base: string) => (await call<{ data: Array<{ id: string }> }>('/v1/models', { base })).json.data.map((model) => model.id);
const chatOn = (base: string, extra: Record<string, unknown> = {}) => call<ErrorBody>('/v1/chat/completions', { base, body: chatBody(extra) });
const embedOn = (base: string, model: string) => call<EmbeddingList & ErrorBody>('/v1/embeddings', { base, body: { model, input: 'levee' } });

/** The three rate-limit headers, null where absent. */
const limitHeaders = (headers: Headers) => ({
  limit: headers.get('x-ratelimit-limit-requests'),
  remaining: headers.get('x-ratelimit-remaining-requests'),
  reset: headers.get('x-ratelimit-reset-requests'),
});

/** Milliseconds in an OpenAI reset duration such as `250ms`, `1.5s` or `6m0s`. */
function durationMs(text: string | null): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)s)?(?:(\d+)ms)?$/.exec(text ?? '');
  assert.ok(match && text, `an OpenAI duration: ${text}`);
  const [, hours = '0', minutes = '0', seconds = '0', millis = '0'] = match;
  return Number(hours) * 3_600_000 + Number(minutes) * 60_000 + Number(seconds) * 1000 + Number(millis);
}

describe('models option (one simulator per provider)', () => {
  it('lists exactly its models and refuses others with OpenAI 404 model_not_found, each simulator on its own', async () => {
    const [openai, other] = await Promise.all([
      start({ models: ['gpt-4o', 'text-embedding-3-large', 'my-embedder'], embeddingDimension: 8 }),
      start({ models: ['claude-sonnet'] }),
    ]);
    assert.notEqual(openai.port, other.port);
    assert.deepEqual(await listing(openai.origin), ['gpt-4o', 'text-embedding-3-large', 'my-embedder']);
    assert.deepEqual(await listing(other.origin), ['claude-sonnet']);
    assert.equal((await call('/v1/models/my-embedder', { base: openai.origin })).status, 200);
    assert.equal((await call('/v1/models/gpt-4o-mini', { base: openai.origin })).status, 404);

    assert.equal((await chatOn(openai.origin)).status, 200);
    assert.equal((await chatOn(other.origin, { model: 'claude-sonnet' })).status, 200);
    const refused = await chatOn(other.origin);
    assert.equal(refused.status, 404);
    assert.deepEqual(JSON.parse(refused.text), {
      error: {
        message: 'The model `gpt-4o` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    });
    const streamed = await chatOn(other.origin, { stream: true });
    assert.equal(streamed.status, 404, 'refused before any stream starts');
    assert.equal(streamed.json.error.code, 'model_not_found');
    const embedding = await embedOn(openai.origin, 'text-embedding-3-small');
    assert.equal(embedding.status, 404);
    assert.equal(embedding.json.error.message, 'The model `text-embedding-3-small` does not exist or you do not have access to it.');
    assert.deepEqual(other.stats().by_status, { '200': 2, '404': 2 }, 'the listing and one chat; two refusals');
  });

  it('keeps embedding sizes: native for known OpenAI models, embeddingDimension for the rest', async () => {
    const simulator = await start({ models: ['text-embedding-3-large', 'my-embedder'], embeddingDimension: 8 });
    assert.equal(((await embedOn(simulator.origin, 'text-embedding-3-large')).json.data[0]?.embedding as number[]).length, 3072);
    assert.equal(((await embedOn(simulator.origin, 'my-embedder')).json.data[0]?.embedding as number[]).length, 8);
  });

  it('serves any model and lists the defaults when unset, and rejects a bad list', async () => {
    const simulator = await start({});
    assert.deepEqual(await listing(simulator.origin), ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']);
    assert.equal((await chatOn(simulator.origin, { model: 'anything-at-all' })).status, 200);
    await assert.rejects(startSimulator({ models: [] }), RangeError);
    await assert.rejects(startSimulator({ models: ['a', 'a'] }), RangeError);
    await assert.rejects(startSimulator({ models: [' a'] }), RangeError);
  });
});

describe('rate limit', () => {
  it('counts chat, embeddings and streams down in the headers, then answers 429 with retry-after without counting it', async () => {
    const simulator = await start({ rateLimit: { requests: 3, windowMs: 60_000 } });
    const base = simulator.origin;
    const first = await chatOn(base);
    assert.equal(first.status, 200);
    const firstHeaders = limitHeaders(first.headers);
    assert.equal(firstHeaders.limit, '3');
    assert.equal(firstHeaders.remaining, '2');
    const firstResetMs = durationMs(firstHeaders.reset);
    assert.ok(firstResetMs > 0 && firstResetMs <= 60_000, `reset ${firstHeaders.reset}`);
    assert.equal(limitHeaders((await embedOn(base, 'text-embedding-3-small')).headers).remaining, '1');
    const stream = await chatOn(base, { stream: true });
    assert.equal(stream.status, 200);
    assert.equal(limitHeaders(stream.headers).remaining, '0', 'a stream carries them in its headers');
    assert.equal(sseData(stream.text).at(-1), '[DONE]');
    assert.equal(limitHeaders((await call('/v1/models', { base })).headers).limit, null, 'the model list is not limited');

    const refused = await chatOn(base);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.code, 'rate_limit_exceeded');
    assert.equal(refused.json.error.type, 'requests');
    assert.match(refused.json.error.message, /^Rate limit reached for gpt-4o .*Limit 3, Used 3, Requested 1\. Please try again in /);
    assert.deepEqual({ ...limitHeaders(refused.headers), reset: null }, { limit: '3', remaining: '0', reset: null });
    const retryAfterMs = Number(refused.headers.get('retry-after-ms'));
    assert.ok(retryAfterMs > 0 && retryAfterMs <= firstResetMs, `retry-after-ms ${retryAfterMs}`);
    assert.equal(refused.headers.get('retry-after'), String(Math.ceil(retryAfterMs / 1000)));
    assert.equal(durationMs(limitHeaders(refused.headers).reset), retryAfterMs);
    assert.equal((await embedOn(base, 'text-embedding-3-small')).status, 429, 'still refused: the 429 was not counted');
    const stats = simulator.stats();
    assert.deepEqual(stats.by_status, { '200': 4, '429': 2 });
    assert.equal(stats.by_outcome.error, 2, 'counted like an injected error');

    simulator.reset();
    assert.equal(limitHeaders((await chatOn(base)).headers).remaining, '2', 'a reset opens a fresh window');
  });

  it('opens a new window once the old one runs out', async () => {
    const simulator = await start({ rateLimit: { requests: 1, windowMs: 150 } });
    assert.equal((await chatOn(simulator.origin)).status, 200);
    const statuses: number[] = [];
    const admitted = await waitFor(
      async () => {
        const answer = await chatOn(simulator.origin);
        statuses.push(answer.status);
        if (answer.status === 429) assert.ok(Number(answer.headers.get('retry-after-ms')) <= 150);
        return answer.status === 200 && answer;
      },
      { timeoutMs: 5_000, intervalMs: 20, what: 'the window to reset' },
    );
    assert.ok(statuses.slice(0, -1).every((status) => status === 429), `refused until then: ${statuses.join(',')}`);
    assert.equal(limitHeaders(admitted.headers).remaining, '0');
  });

  it('labels injected faults and malformed requests too, but not refused keys or models', async () => {
    const simulator = await start({ rateLimit: { requests: 10, windowMs: 60_000 }, models: ['gpt-4o'], apiKey: 'sk-provider-b' });
    const base = simulator.origin;
    const auth = { authorization: 'Bearer sk-provider-b' };
    assert.equal(limitHeaders((await call('/v1/chat/completions', { base, body: chatBody() })).headers).limit, null, '401');
    const unknown = await call('/v1/chat/completions', { base, headers: auth, body: chatBody({ model: 'gpt-9' }) });
    assert.equal(unknown.status, 404);
    assert.equal(limitHeaders(unknown.headers).limit, null);
    simulator.addFault({ count: 1, fault: { type: 'error', status: 503 } });
    const failed = await call('/v1/chat/completions', { base, headers: auth, body: chatBody() });
    assert.equal(failed.status, 503);
    assert.equal(limitHeaders(failed.headers).remaining, '9');
    const malformed = await call('/v1/chat/completions', { base, headers: auth, raw: '{nope' });
    assert.equal(malformed.status, 400);
    assert.equal(limitHeaders(malformed.headers).remaining, '8');
  });

  it('is set, read and turned off at run time through /_sim/rate-limit, and a reset restores the start option', async () => {
    const simulator = await start({});
    const base = simulator.origin;
    assert.equal(limitHeaders((await chatOn(base)).headers).limit, null, 'off by default');
    assert.deepEqual((await call('/_sim/rate-limit', { base })).json, { rate_limit: null });
    const put = await call<{ rate_limit: RateLimitView }>('/_sim/rate-limit', { base, method: 'PUT', body: { requests: 2, window_ms: 60_000 } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json.rate_limit, { requests: 2, window_ms: 60_000, remaining: 2, reset_ms: null });
    assert.deepEqual(limitHeaders((await chatOn(base)).headers).remaining, '1');
    const view = (await call<{ rate_limit: RateLimitView }>('/_sim/rate-limit', { base })).json.rate_limit;
    assert.equal(view.remaining, 1);
    assert.ok(view.reset_ms !== null && view.reset_ms > 0 && view.reset_ms <= 60_000);

    const zero = await call<ErrorBody>('/_sim/rate-limit', { base, method: 'PUT', body: { requests: 0, window_ms: 1000 } });
    assert.equal(zero.status, 400);
    assert.equal(zero.json.error.param, 'requests');
    const typo = await call<ErrorBody>('/_sim/rate-limit', { base, method: 'PUT', body: { requests: 1, windowMs: 1000 } });
    assert.equal(typo.status, 400);
    assert.equal(simulator.stats().by_status['429'], undefined);
    assert.equal(limitHeaders((await chatOn(base)).headers).remaining, '0', 'a rejected change leaves the limit alone');

    assert.deepEqual((await call('/_sim/rate-limit', { base, method: 'DELETE' })).json, { rate_limit: null });
    assert.equal((await chatOn(base)).status, 200);
    assert.equal(limitHeaders((await chatOn(base)).headers).limit, null);

    await call('/_sim/rate-limit', { base, method: 'PUT', body: { requests: 1, window_ms: 60_000 } });
    assert.equal((await call('/_sim/reset', { base, method: 'POST' })).status, 200);
    assert.equal(limitHeaders((await chatOn(base)).headers).limit, null, 'back to no limit, as started');
  });

  it('is changed through the handle, which checks the limit', async () => {
    const simulator = await start({ rateLimit: { requests: 1, windowMs: 60_000 } });
    const base = simulator.origin;
    assert.equal((await chatOn(base)).status, 200);
    assert.equal((await chatOn(base)).status, 429);
    simulator.setRateLimit({ requests: 5, windowMs: 1_000 });
    const raised = await chatOn(base);
    assert.equal(raised.status, 200, 'a new limit starts a fresh window');
    assert.deepEqual(limitHeaders(raised.headers).limit, '5');
    assert.ok(durationMs(limitHeaders(raised.headers).reset) <= 1_000);
    simulator.setRateLimit(undefined);
    assert.equal(limitHeaders((await chatOn(base)).headers).limit, null);
    assert.throws(() => simulator.setRateLimit({ requests: 0, windowMs: 1_000 }), RangeError);
    assert.throws(() => simulator.setRateLimit({ requests: 1, windowMs: 1.5 }), RangeError);
    await assert.rejects(startSimulator({ rateLimit: { requests: 1, windowMs: 0 } }), RangeError);
    simulator.reset();
    assert.equal(limitHeaders((await chatOn(base)).headers).remaining, '0', 'a reset restores the start option');
  });

  it('writes reset durations in OpenAI format', () => {
    assert.deepEqual(
      [0, 250, 999, 1_000, 1_500, 20_000, 61_000, 360_000, 3_600_000, 3_723_400].map(formatDuration),
      ['0s', '250ms', '999ms', '1s', '1.5s', '20s', '1m1s', '6m0s', '1h0m0s', '1h2m3.4s'],
    );
  });
});
