/**
 * The soak's mixed traffic: flows of requests, each paced on its own schedule (open loop: a request
 * is sent when due, whatever earlier ones are doing), about 25 requests a second in all, well
 * under what two cores serve, so latency noise stays far from any timeout:
 *
 * | flow | per second | what |
 * |---|---|---|
 * | chat | 6 | a unique question (never cached) |
 * | chat-cacheable | 4 | `temperature: 0`, one of 600 questions (chat cache hits and misses) |
 * | chat-stream | 3 | streamed, read to `[DONE]` (chunks 10 ms apart) |
 * | embeddings | 4 | 4 inputs: 2 of a pool of 500 (cache hits), 2 new |
 * | search | 3 | one of 300 queries, every 4th new |
 * | conversation | 0.5 | 4 turns, then the conversation read and deleted (3 requests/s) |
 * | idempotent | 1 | a chat or embeddings call with an Idempotency-Key, resent at once: replayed |
 * | upsert | 0.05 | 5 of the collection's 50 documents replaced (search cache invalidated) |
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { SoakClient, SoakRequest } from './client.ts';
import { CHAT_MODEL, EMBEDDING_MODEL } from './stack.ts';

const MAX_TOKENS = 16;
const CACHEABLE_QUESTIONS = 600;
const REPEATED_INPUTS = 500;
const REPEATED_QUERIES = 300;
export const COLLECTION_DOCUMENTS = 50;
const CONVERSATION_TURNS = 4;

interface Flow {
  name: string;
  perSecond: number;
  /** The n-th firing; its requests are recorded by the client. */
  fire: (n: number) => Promise<unknown>;
}

/** A small seeded generator (mulberry32): the same run sends the same questions. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const documentText = (index: number, version: number): string => `Soak document ${index}, version ${version}: levees, rivers and pumps (${index * 17})`;

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({ model: CHAT_MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content }], ...extra });

function flows(client: SoakClient, collection: string, run: string): Flow[] {
  const random = seededRandom(20_261_205);
  const pick = (size: number) => Math.floor(random() * size);
  const chat: SoakRequest = { kind: 'chat', method: 'POST', path: '/v1/chat/completions' };
  const searchPath = `/v1/collections/${collection}/search`;
  const searchRoute = 'POST /v1/collections/:name/search';

  const conversation = async (n: number) => {
    const id = `soak-${run}-${n}`;
    let sequenceStartMs: number | undefined;
    for (let turn = 0; turn < CONVERSATION_TURNS; turn++) {
      // The first turn opens with a system message; later turns send only the new message.
      const messages = turn === 0 ? [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: `Conversation ${n}: where do rivers go?` }] : [{ role: 'user', content: `And then (turn ${turn})?` }];
      const { record } = await client.send({
        ...chat,
        kind: 'conversation-turn',
        body: { model: CHAT_MODEL, max_tokens: MAX_TOKENS, messages },
        headers: { 'x-conversation-id': id },
        ...(sequenceStartMs === undefined ? {} : { sequenceStartMs }),
      });
      sequenceStartMs ??= record.sentMs;
    }
    const read = { kind: 'conversation-read' as const, path: `/v1/conversations/${id}`, sequenceStartMs: sequenceStartMs ?? 0 };
    await client.send({ ...read, method: 'GET', route: 'GET /v1/conversations/:id' });
    await client.send({ ...read, method: 'DELETE', route: 'DELETE /v1/conversations/:id' });
  };

  const idempotent = async (n: number) => {
    const key = `soak-${run}-${n}`;
    const request: SoakRequest =
      n % 2 === 0
        ? { ...chat, kind: 'idempotent-first', body: chatBody(`Idempotent question ${n} of ${run}`), headers: { 'idempotency-key': key } }
        : { kind: 'idempotent-first', method: 'POST', path: '/v1/embeddings', body: { model: EMBEDDING_MODEL, input: `Idempotent text ${n} of ${run}` }, headers: { 'idempotency-key': key } };
    const { record } = await client.send(request);
    // Only final answers that are not 5xx or 429 are stored, so only those must be replayed.
    const stored = record.status > 0 && record.status < 500 && record.status !== 429;
    await client.send({ ...request, kind: 'idempotent-resend', sequenceStartMs: record.sentMs, expectReplay: stored });
  };

  return [
    { name: 'chat', perSecond: 6, fire: (n) => client.send({ ...chat, body: chatBody(`Question ${n} of ${run}: how high is the levee?`) }) },
    {
      name: 'chat-cacheable',
      perSecond: 4,
      fire: () => client.send({ ...chat, kind: 'chat-cacheable', body: chatBody(`Cached question ${pick(CACHEABLE_QUESTIONS)}`, { temperature: 0 }) }),
    },
    { name: 'chat-stream', perSecond: 3, fire: (n) => client.send({ ...chat, kind: 'chat-stream', stream: true, body: chatBody(`Stream ${n} of ${run}`, { stream: true }) }) },
    {
      name: 'embeddings',
      perSecond: 4,
      fire: (n) =>
        client.send({
          kind: 'embeddings',
          method: 'POST',
          path: '/v1/embeddings',
          body: { model: EMBEDDING_MODEL, input: [`Repeated ${pick(REPEATED_INPUTS)}`, `Repeated ${pick(REPEATED_INPUTS)}`, `New ${n}a of ${run}`, `New ${n}b of ${run}`] },
        }),
    },
    {
      name: 'search',
      perSecond: 3,
      fire: (n) =>
        client.send({
          kind: 'search',
          method: 'POST',
          path: searchPath,
          route: searchRoute,
          body: { query: n % 4 === 0 ? `New query ${n} of ${run}` : `Query ${pick(REPEATED_QUERIES)}`, top_k: 5 },
        }),
    },
    { name: 'conversation', perSecond: 0.5, fire: conversation },
    { name: 'idempotent', perSecond: 1, fire: idempotent },
    {
      name: 'upsert',
      perSecond: 0.05,
      fire: (n) => {
        const documents = Array.from({ length: 5 }, (_, i) => {
          const index = (n * 5 + i) % COLLECTION_DOCUMENTS;
          return { id: `doc-${index}`, text: documentText(index, n + 1), metadata: { index } };
        });
        return client.send({ kind: 'upsert', method: 'POST', path: `/v1/collections/${collection}/documents`, route: 'POST /v1/collections/:name/documents', body: { documents } });
      },
    },
  ];
}

/** One flow's firings until `untilMs` (the client's clock); resolves once all of them have ended. */
async function pace(flow: Flow, elapsed: () => number, untilMs: number): Promise<void> {
  const intervalMs = 1000 / flow.perSecond;
  const inFlight = new Set<Promise<unknown>>();
  const startMs = elapsed();
  for (let n = 0; ; n++) {
    const due = startMs + n * intervalMs;
    if (due >= untilMs) break;
    const wait = due - elapsed();
    if (wait > 0) await delay(wait);
    // Errors are recorded by the client; a throw here would be a bug in the soak itself.
    const firing = flow.fire(n).finally(() => inFlight.delete(firing));
    inFlight.add(firing);
  }
  await Promise.all(inFlight);
}

/** Runs every flow until `untilMs` on the client's clock; resolves when the last answer is in. */
export async function runTraffic(client: SoakClient, options: { collection: string; elapsed: () => number; untilMs: number }): Promise<void> {
  const run = randomUUID().slice(0, 8);
  await Promise.all(flows(client, options.collection, run).map((flow) => pace(flow, options.elapsed, options.untilMs)));
}
