/**
 * Live notifications with a real `ws` client: subscribed to a batch while it runs, the client
 * hears its progress in order (status never going back, counts never falling) and last its
 * completion with the output file id, the same object GET /v1/batches/{id} answers. Another
 * client's batch is answered like one that does not exist; bad messages get an error message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { WebSocket } from 'ws';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { waitFor } from './support/wait-for.ts';

const ALICE = 'alice-key-0123456789';
const BOB = 'bob-key-0123456789';
const ORDER = ['validating', 'in_progress', 'finalizing', 'completed'];

type Message = { type: string; batch?: OpenAI.Batches.Batch; error?: { code: string; param: string | null }; jobs?: string[] };

/** An open connection and every message it received so far. */
async function connect(url: string, key: string): Promise<{ socket: WebSocket; messages: Message[] }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/events`, { headers: { authorization: `Bearer ${key}` } });
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, messages };
}

describe('live notifications: a batch followed over /v1/events', { timeout: 90_000 }, () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator({ API_KEYS: `alice:${ALICE},bob:${BOB}`, JOB_POLL_INTERVAL_MS: '500', EVENTS_POLL_INTERVAL_MS: '500' });
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 20 } } }]);
  });
  after(() => stack?.stop());

  it('sends progress in order and the completion with the output file, matching GET', async () => {
    const client = new OpenAI({ apiKey: ALICE, baseURL: `${stack.levee.url}/v1`, maxRetries: 0 });
    const input = Array.from({ length: 600 }, (_, index) =>
      JSON.stringify({ custom_id: `e-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `n ${index}` }] } }),
    ).join('\n');
    const file = await client.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
    const { socket, messages } = await connect(stack.levee.url, ALICE);
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    socket.send(JSON.stringify({ type: 'subscribe', jobs: [batch.id] }));

    const updates = () => messages.filter((message) => message.type === 'batch.updated').map((message) => message.batch!);
    await waitFor(() => updates().some((update) => update.status === 'completed'), { timeoutMs: 60_000, what: () => `the completion (${updates().length} updates so far)` });
    const seen = updates();
    assert.equal(messages[0]?.type, 'welcome');
    assert.deepEqual(messages.find((message) => message.type === 'subscribed')?.jobs, [batch.id]);
    assert.ok(seen.length >= 3, `progress, not just the end: ${seen.map((update) => `${update.status} ${update.request_counts?.completed}`).join(', ')}`);
    for (const [index, update] of seen.entries()) {
      assert.equal(update.id, batch.id);
      if (index === 0) continue;
      const previous = seen[index - 1]!;
      assert.ok(ORDER.indexOf(update.status) >= ORDER.indexOf(previous.status), `status ${previous.status} → ${update.status}`);
      assert.ok((update.request_counts?.completed ?? 0) >= (previous.request_counts?.completed ?? 0), 'counts never fall');
    }
    const last = seen.at(-1)!;
    assert.equal(last.status, 'completed');
    assert.match(last.output_file_id ?? '', /^file-/);
    assert.deepEqual(last, await client.batches.retrieve(batch.id), 'the last update is what GET answers');
    socket.close();
  });

  it("answers another client's batch like one that does not exist, and a bad message with an error", async () => {
    const alice = new OpenAI({ apiKey: ALICE, baseURL: `${stack.levee.url}/v1`, maxRetries: 0 });
    const [mine] = (await alice.batches.list()).data;
    assert.ok(mine, 'a batch of alice from the test before');
    const { socket, messages } = await connect(stack.levee.url, BOB);
    socket.send(JSON.stringify({ type: 'subscribe', jobs: [mine.id] }));
    socket.send('not json');
    socket.send(JSON.stringify({ type: 'subscribe', jobs: ['file-123'] }));
    socket.send(JSON.stringify({ type: 'ping' }));
    // The subscription is answered once the store has been asked: after the others.
    const errors = () => messages.filter((message) => message.type === 'error').map((message) => `${message.error?.code} ${message.error?.param}`);
    await waitFor(() => messages.some((message) => message.type === 'pong') && errors().length === 3, { what: () => JSON.stringify(messages) });
    assert.deepEqual(errors().sort(), ['invalid_message jobs.0', 'invalid_message null', 'not_found jobs']);
    assert.equal(messages.filter((message) => message.type === 'batch.updated').length, 0, "nothing of alice's reaches bob");
    socket.close();
  });
});
