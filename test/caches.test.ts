/**
 * The caches on a real Levee: identical concurrent embedding misses make one upstream call; an
 * expired search result is served STALE while the store's breaker is open; a write to a
 * collection makes its cached searches unreachable; chat answers are cached per client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const ALPHA = 'alpha-key-0123456789';
const BETA = 'beta-key-0123456789';
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
const SEARCH_TTL_MS = 300;

describe('caches', () => {
  let stack: LeveeWithSimulator;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.levee.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALPHA}`, ...headers },
      body: JSON.stringify(body),
    });
  const upstream = (route: 'chat' | 'embeddings') => stack.simulator.stats().by_route[route];

  before(async () => {
    stack = await startLeveeWithSimulator({
      API_KEYS: `alpha:${ALPHA},beta:${BETA}`,
      // Search results expire fast here, and stay servable as STALE for a minute.
      CACHE_SEARCH_TTL_MS: String(SEARCH_TTL_MS),
      CACHE_STALE_GRACE_MS: '60000',
    });
  });
  after(() => stack.stop());

  it('50 concurrent identical embedding requests make one upstream call; a repeat is a HIT', async () => {
    const body = { model: 'text-embedding-3-small', input: ['one', 'two', 'three'] };
    const before = upstream('embeddings');
    const answers = await Promise.all(Array.from({ length: 50 }, () => post('/v1/embeddings', body)));
    assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [200]);
    assert.equal(upstream('embeddings') - before, 1);
    const repeat = await post('/v1/embeddings', body);
    assert.equal(repeat.headers.get('x-cache'), 'HIT');
    const data = ((await repeat.json()) as { data: Array<{ index: number; embedding: number[] }> }).data;
    assert.deepEqual(data.map((item) => item.index), [0, 1, 2]);
    assert.equal(data[0]!.embedding.length, 1536);

    // Per item: one new item among cached ones sends only that one upstream.
    const mixed = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['one', 'four', 'three'] });
    assert.equal(mixed.headers.get('x-cache'), 'MISS');
    const sent = stack.simulator.requests().filter((entry) => entry.route === 'embeddings').at(-1);
    assert.deepEqual((sent?.body as { input: string[] }).input, ['four']);
  });

  it('serves an expired search result STALE while the store is unavailable; an uncached one gets 503', async () => {
    assert.equal((await post('/v1/collections', { name: 'stale', model: 'text-embedding-3-small', dimension: 1536 })).status, 200);
    const documents = ['apples', 'pears', 'plums'].map((text) => ({ id: text, text }));
    assert.equal((await post('/v1/collections/stale/documents', { documents })).status, 200);
    const first = await post('/v1/collections/stale/search', { query: 'pears', top_k: 2 });
    // Levee stored the entry before it answered: it is fresh until this moment + the TTL at most.
    const expiredBy = Date.now() + SEARCH_TTL_MS;
    assert.equal(first.headers.get('x-cache'), 'MISS');
    const hits = ((await first.json()) as { data: Array<{ id: string }> }).data;
    assert.equal(hits[0]!.id, 'pears');
    // The entry's age is the subject and nothing shows it without refreshing the entry (a search
    // with the store up reloads it), so wait out the TTL itself; the grace keeps it servable.
    await delay(Math.max(0, expiredBy + 1 - Date.now()));

    assert.equal((await fetch(`${stack.levee.url}/admin/circuit-breakers/postgres/isolate`, { method: 'POST', headers: ADMIN })).status, 200);
    try {
      const stale = await post('/v1/collections/stale/search', { query: 'pears', top_k: 2 });
      assert.equal(stale.status, 200);
      assert.equal(stale.headers.get('x-cache'), 'STALE');
      assert.deepEqual(((await stale.json()) as { data: Array<{ id: string }> }).data.map((hit) => hit.id), hits.map((hit) => hit.id));
      const uncached = await post('/v1/collections/stale/search', { query: 'plums', top_k: 2 });
      assert.equal(uncached.status, 503);
      assert.equal(((await uncached.json()) as { error: { code: string } }).error.code, 'dependency_unavailable');
    } finally {
      await fetch(`${stack.levee.url}/admin/circuit-breakers/postgres/reset`, { method: 'POST', headers: ADMIN });
    }
  });

  it('an upsert into a collection makes its cached searches unreachable', async () => {
    const search = () => post('/v1/collections/stale/search', { query: 'apples', top_k: 5 }, { 'cache-control': '' });
    assert.equal((await search()).headers.get('x-cache'), 'MISS');
    assert.equal((await search()).headers.get('x-cache'), 'HIT');
    assert.equal((await post('/v1/collections/stale/documents', { documents: [{ id: 'apples-2', text: 'green apples' }] })).status, 200);
    const after = await search();
    assert.equal(after.headers.get('x-cache'), 'MISS');
    assert.ok(((await after.json()) as { data: Array<{ id: string }> }).data.some((hit) => hit.id === 'apples-2'));
  });

  it('caches deterministic chat per client: the same request from another key is a MISS', async () => {
    const body = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'cache me' }] };
    const before = upstream('chat');
    assert.equal((await post('/v1/chat/completions', body)).headers.get('x-cache'), 'MISS');
    assert.equal((await post('/v1/chat/completions', body)).headers.get('x-cache'), 'HIT');
    assert.equal((await post('/v1/chat/completions', body, { authorization: `Bearer ${BETA}` })).headers.get('x-cache'), 'MISS');
    assert.equal(upstream('chat') - before, 2);
    // no-cache refreshes; no-store neither reads nor writes; a non-deterministic request is never cached.
    assert.equal((await post('/v1/chat/completions', body, { 'cache-control': 'no-cache' })).headers.get('x-cache'), 'MISS');
    assert.equal((await post('/v1/chat/completions', body, { 'cache-control': 'no-store' })).headers.get('x-cache'), 'MISS');
    assert.equal((await post('/v1/chat/completions', { ...body, temperature: 0.7 })).headers.get('x-cache'), null);
    assert.equal(upstream('chat') - before, 5);
  });
});
