/**
 * Idempotency-Key on a real Levee: a retry replays the stored answer without a second upstream
 * call; another body under the same key is 422; a duplicate while the first runs is 409; a
 * failed answer is not stored, so the retry does real work; a malformed key is 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFleet, type Fleet } from './support/fleet.ts';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

interface ErrorBody {
  error: { code: string; param: string | null };
}

describe('Idempotency-Key', () => {
  let stack: LeveeWithSimulator;
  const chat = (key: string | undefined, content = 'hello') =>
    fetch(`${stack.levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
    });
  const upstreamChats = () => stack.simulator.stats().by_route.chat;

  // One attempt per request: a 503 is the final answer, not retried inside Levee.
  before(async () => {
    stack = await startLeveeWithSimulator({ LLM_RETRY_MAX_ATTEMPTS: '1' });
  });
  after(() => stack.stop());

  it('replays the stored answer for a retry with the same key and body, without a second upstream call', async () => {
    const before = upstreamChats();
    const first = await chat('key-replay-1');
    const firstBody = await first.text();
    const again = await chat('key-replay-1');
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await again.text(), firstBody);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(upstreamChats() - before, 1);
  });

  it('refuses the same key with a different body: 422', async () => {
    await (await chat('key-reused-1', 'first')).arrayBuffer();
    const reused = await chat('key-reused-1', 'second');
    assert.equal(reused.status, 422);
    const body = (await reused.json()) as ErrorBody;
    assert.equal(body.error.code, 'idempotency_key_reused');
    assert.equal(body.error.param, 'Idempotency-Key');
  });

  it('refuses a duplicate while the first is still running: 409', async () => {
    stack.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'latency', distribution: { kind: 'fixed', ms: 800 } } }]);
    const before = upstreamChats();
    const first = chat('key-running-1');
    await waitFor(() => (upstreamChats() > before ? true : undefined), { what: () => 'the first request upstream' });
    const duplicate = await chat('key-running-1');
    assert.equal(duplicate.status, 409);
    assert.equal(((await duplicate.json()) as ErrorBody).error.code, 'idempotency_key_in_use');
    assert.equal((await first).status, 200);
    assert.equal((await chat('key-running-1')).headers.get('idempotent-replayed'), 'true');
  });

  it('does not store a failure: the retry after an upstream 503 goes upstream again', async () => {
    stack.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'error', status: 503 } }]);
    const before = upstreamChats();
    const failed = await chat('key-failed-1');
    assert.ok(failed.status >= 500, `status ${failed.status}`);
    const retried = await chat('key-failed-1');
    assert.equal(retried.status, 200);
    assert.equal(retried.headers.get('idempotent-replayed'), null);
    assert.equal(upstreamChats() - before, 2);
  });

  it('replays embeddings too', async () => {
    const embed = () =>
      fetch(`${stack.levee.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'key-embed-1' },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: 'idempotent' }),
      });
    assert.equal((await embed()).status, 200);
    assert.equal((await embed()).headers.get('idempotent-replayed'), 'true');
  });

  it('refuses an oversized or malformed key with 400 naming the header', async () => {
    for (const key of ['k'.repeat(256), 'caf\u00e9']) {
      const response = await chat(key);
      assert.equal(response.status, 400, key.slice(0, 10));
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.code, 'invalid_request');
      assert.equal(body.error.param, 'Idempotency-Key');
    }
  });
});

describe('Idempotency-Key across replicas', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ replicas: 2 });
  });
  after(() => fleet.stop());

  it('a retry that lands on another replica is replayed from Redis', async () => {
    const send = (url: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'key-fleet-1' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'once' }] }),
      });
    const first = await send(fleet.replicas[0]!.url);
    const firstBody = await first.text();
    const retry = await send(fleet.replicas[1]!.url);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(await retry.text(), firstBody);
    assert.equal(fleet.simulator.stats().by_route.chat, 1);
  });
});
