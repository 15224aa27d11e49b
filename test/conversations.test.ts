/**
 * Conversation memory on real Levee processes: with Redis (history across turns and a restart,
 * per-client scoping, trimming, streams) and without it (memory within one process).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimulatorHandle } from '../simulator/server.ts';
import { startFleet, type Fleet } from './support/fleet.ts';
import type { LeveeProcess } from './support/levee-process.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

const ALPHA = 'alpha-key-0123456789';
const BETA = 'beta-key-0123456789';
const MODEL = 'gpt-4o-mini';

type Message = { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string };

function client(levee: () => LeveeProcess, key?: string) {
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  return {
    chat: (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      fetch(`${levee().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth, ...headers },
        body: JSON.stringify({ model: MODEL, ...body }),
      }),
    get: (id: string) => fetch(`${levee().url}/v1/conversations/${id}`, { headers: auth }),
    delete: (id: string) => fetch(`${levee().url}/v1/conversations/${id}`, { method: 'DELETE', headers: auth }),
  };
}

function lastChatSent(simulator: SimulatorHandle): { messages: Message[]; [field: string]: unknown } {
  const entry = simulator.requests().filter((request) => request.route === 'chat').at(-1);
  assert.ok(entry, 'the simulator got a chat request');
  return entry.body as { messages: Message[] };
}

async function storedMessages(response: Response): Promise<Message[]> {
  assert.equal(response.status, 200);
  const body = (await response.json()) as { object: string; messages: Message[] };
  assert.equal(body.object, 'conversation');
  return body.messages;
}

const alternating = (count: number, from = 0): Message[] =>
  Array.from({ length: count }, (_, n) => ({ role: (from + n) % 2 === 0 ? 'user' : 'assistant', content: `m${from + n}` }));

describe('conversations with Redis', () => {
  let fleet: Fleet;
  let levee: LeveeProcess;
  const alpha = client(() => levee, ALPHA);
  const beta = client(() => levee, BETA);

  before(async () => {
    fleet = await startFleet({ replicas: 1, env: { API_KEYS: `alpha:${ALPHA},beta:${BETA}` } });
    levee = fleet.replicas[0]!;
  });
  after(() => fleet.stop());

  it('sends the whole history on the third turn, and stores the answers', async () => {
    const system = { role: 'system', content: 'Answer briefly.' };
    const first = await alpha.chat({ conversation_id: 'trip-1', messages: [system, { role: 'user', content: 'one' }] });
    assert.equal(first.status, 200);
    assert.equal(lastChatSent(fleet.simulator).conversation_id, undefined, 'conversation_id is not forwarded');
    // The header names the conversation just as well.
    assert.equal((await alpha.chat({ messages: [{ role: 'user', content: 'two' }] }, { 'x-conversation-id': 'trip-1' })).status, 200);
    const third = await alpha.chat({ conversation_id: 'trip-1', messages: [{ role: 'user', content: 'three' }] });
    assert.equal(third.status, 200);
    const answer = ((await third.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;

    const sent = lastChatSent(fleet.simulator).messages;
    assert.deepEqual(sent.map((message) => message.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.deepEqual([sent[0]!.content, sent[1]!.content, sent[3]!.content, sent[5]!.content], ['Answer briefly.', 'one', 'two', 'three']);

    const stored = await storedMessages(await alpha.get('trip-1'));
    assert.equal(stored.length, 7);
    assert.deepEqual(stored.at(-1), { role: 'assistant', content: answer });
  });

  it('another key gets 404 for the conversation, reading or deleting', async () => {
    const read = await beta.get('trip-1');
    assert.equal(read.status, 404);
    assert.equal(((await read.json()) as { error: { code: string } }).error.code, 'not_found');
    assert.equal((await beta.delete('trip-1')).status, 404);
    assert.equal((await alpha.get('trip-1')).status, 200, 'still there for its owner');
    assert.equal((await alpha.get('never-started')).status, 404);
  });

  it('keeps the last 20 of 25 messages, the system message first', async () => {
    const system = { role: 'system', content: 'rules' };
    // 1 system + 23 + the answer = 25.
    assert.equal((await alpha.chat({ conversation_id: 'long', messages: [system, ...alternating(23)] })).status, 200);
    const stored = await storedMessages(await alpha.get('long'));
    assert.equal(stored.length, 20);
    assert.deepEqual(stored[0], system);
    assert.deepEqual(stored.slice(1, 19), alternating(23).slice(-18));
    assert.equal(stored[19]!.role, 'assistant');
  });

  it('never splits a tool-call exchange when trimming', async () => {
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'c2', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    const replies = [
      { role: 'tool', tool_call_id: 'c1', content: '1' },
      { role: 'tool', tool_call_id: 'c2', content: '2' },
    ];
    // system + [user, call, reply, reply, 17 more] + answer = 23: a cut to 20 would fall on the second reply.
    const messages = [{ role: 'system', content: 's' }, { role: 'user', content: 'go' }, call, ...replies, ...alternating(17, 1)];
    assert.equal((await alpha.chat({ conversation_id: 'tools', messages })).status, 200);
    const stored = await storedMessages(await alpha.get('tools'));
    assert.equal(stored[0]!.role, 'system');
    assert.ok(stored.every((message) => message.role !== 'tool'), 'no reply without its call');
    assert.equal(stored.length, 19);
  });

  it('stores a streamed answer once complete, and nothing from a stream cut midway', async () => {
    const streamed = await alpha.chat({ conversation_id: 'streams', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    const text = await streamed.text();
    assert.match(text, /data: \[DONE\]/);
    const content = text
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map((frame) => (JSON.parse(frame.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    assert.ok(content.length > 0);
    const stored = await storedMessages(await alpha.get('streams'));
    assert.deepEqual(stored, [{ role: 'user', content: 'hello' }, { role: 'assistant', content }]);

    fleet.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'slow-stream', resetAfterChunks: 2 } }]);
    const cut = await alpha.chat({ conversation_id: 'streams', stream: true, messages: [{ role: 'user', content: 'again' }] });
    assert.doesNotMatch(await cut.text(), /\[DONE\]/);
    fleet.simulator.clearFaults();
    assert.deepEqual(await storedMessages(await alpha.get('streams')), stored);
  });

  it('answers 400 naming the field or the header for a malformed conversation id', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, string>, string]> = [
      [{ conversation_id: 'x'.repeat(129) }, {}, 'conversation_id'],
      [{ conversation_id: 'has space' }, {}, 'conversation_id'],
      [{ conversation_id: 42 }, {}, 'conversation_id'],
      [{}, { 'x-conversation-id': 'bad/id' }, 'X-Conversation-Id'],
    ];
    for (const [body, headers, param] of cases) {
      const response = await alpha.chat({ messages: [{ role: 'user', content: 'hi' }], ...body }, headers);
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { param: string } }).error.param, param);
    }
  });

  it('survives a restart of Levee, and DELETE forgets the conversation', async () => {
    await levee.stop();
    levee = await fleet.spawnReplica();
    assert.equal((await storedMessages(await alpha.get('trip-1'))).length, 7);
    assert.equal((await alpha.chat({ conversation_id: 'trip-1', messages: [{ role: 'user', content: 'four' }] })).status, 200);
    assert.equal(lastChatSent(fleet.simulator).messages.length, 8);

    const deleted = await alpha.delete('trip-1');
    assert.deepEqual(await deleted.json(), { id: 'trip-1', object: 'conversation.deleted', deleted: true });
    assert.equal((await alpha.get('trip-1')).status, 404);
  });
});

describe('conversations without Redis', () => {
  let stack: LeveeWithSimulator;
  const anyone = client(() => stack.levee);

  before(async () => {
    stack = await startLeveeWithSimulator();
  });
  after(() => stack.stop());

  it('keeps the history in memory within the process', async () => {
    assert.equal((await anyone.chat({ conversation_id: 'local', messages: [{ role: 'user', content: 'one' }] })).status, 200);
    assert.equal((await anyone.chat({ conversation_id: 'local', messages: [{ role: 'user', content: 'two' }] })).status, 200);
    assert.deepEqual(
      lastChatSent(stack.simulator).messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal((await storedMessages(await anyone.get('local'))).length, 4);
  });
});
