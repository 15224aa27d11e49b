/**
 * Rate-limit policies on two replicas sharing a real redis-server: seed 003's AI budget (200 calls
 * per key per hour) beside the default 100 a minute per IP, both exact across the fleet; and a
 * sliding window that admits no second burst at its boundary, where a fixed window would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pMap from 'p-map';
import { createClient } from 'redis';
import { startFleet, type Fleet } from './support/fleet.ts';
import type { LeveeProcess } from './support/levee-process.ts';
import { awayFromWindowEnd, intoWindow, redisNowMs } from './support/redis-clock.ts';

const ALPHA = 'alpha-key-0123456789';
const BRAVO = 'bravo-key-0123456789';

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { code: string; message: string } };
}

async function call(replica: LeveeProcess, path: string, options: { key?: string; ip: string; body?: unknown }): Promise<Answer> {
  const response = await fetch(`${replica.url}${path}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: {
      'X-Forwarded-For': options.ip,
      ...(options.key ? { Authorization: `Bearer ${options.key}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

/** An AI call: every fifth a chat completion, the others embeddings. */
function aiCall(replica: LeveeProcess, index: number, ip: string): Promise<Answer> {
  return index % 5 === 0
    ? call(replica, '/v1/chat/completions', { key: ALPHA, ip, body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `call ${index}` }] } })
    : call(replica, '/v1/embeddings', { key: ALPHA, ip, body: { model: 'text-embedding-3-small', input: `call ${index}` } });
}

/** Runs `count` calls of `send(i)`, at most `concurrency` at a time, answers in call order. */
const bounded = <T>(count: number, concurrency: number, send: (index: number) => Promise<T>): Promise<T[]> =>
  pMap(Array.from({ length: count }, (_, index) => index), send, { concurrency });

const statuses = (answers: Answer[]) => answers.map((answer) => answer.status);
const count = (answers: Answer[], status: number) => answers.filter((answer) => answer.status === status).length;

describe('rate-limit policies across two replicas', { timeout: 180_000 }, () => {
  let fleet: Fleet;
  let redis: ReturnType<typeof createClient>;
  before(async () => {
    fleet = await startFleet({
      replicas: 2,
      env: {
        API_KEYS: `alpha:${ALPHA},bravo:${BRAVO}`,
        RATE_LIMIT_IP_PER_MIN: '100',
        RATE_LIMIT_AI_KEY_PER_HOUR: '200',
        RATE_LIMITS: 'conversations:ip=20/10s',
        // The test plays the proxy: its X-Forwarded-For entry is the client IP.
        TRUST_PROXY_HOPS: '1',
      },
    });
    redis = createClient({ url: fleet.redis.url });
    redis.on('error', () => undefined);
    await redis.connect();
  });
  after(async () => {
    await redis?.close().catch(() => undefined);
    await fleet?.stop();
  });

  it('enforces 200 AI calls per key per hour and 100 requests per minute per IP, fleet-wide', async () => {
    const [first, second] = fleet.replicas as [LeveeProcess, LeveeProcess];
    const replicaOf = (index: number) => (index % 2 === 0 ? first : second);
    // The burst must stay within one hour and one minute window (a boundary is the next test's).
    await awayFromWindowEnd(redis, 3_600_000, 60_000);
    await awayFromWindowEnd(redis, 60_000, 20_000);

    // 230 AI calls by one key from four addresses (under 100 each): the budget, not the IP limit, binds.
    const ai = await bounded(230, 8, (index) => aiCall(replicaOf(index), index, `203.0.113.${index % 4}`));
    assert.equal(count(ai, 200), 200, `statuses ${statuses(ai)}`);
    assert.equal(count(ai, 429), 30);
    for (const side of [0, 1]) {
      const mine = ai.filter((_, index) => index % 2 === side);
      assert.ok(count(mine, 200) > 0 && count(mine, 429) > 0, `replica ${side} admitted some and refused some`);
    }
    for (const refused of ai.filter((answer) => answer.status === 429)) {
      assert.equal(refused.body.error?.code, 'rate_limit_exceeded');
      assert.match(refused.body.error?.message ?? '', /AI requests per client key: 200 per hour/);
      assert.equal(refused.headers.get('RateLimit-Policy'), '200;w=3600');
      assert.equal(refused.headers.get('RateLimit-Remaining'), '0');
    }
    const budget = await redis.keys('levee:ratelimit:ai.key.1h:*');
    assert.deepEqual(budget.map((key) => key.replace(/:\d+$/, '')), ['levee:ratelimit:ai.key.1h:alpha']);
    assert.equal(await redis.get(budget[0]!), '200', 'the 30 refusals were not counted');
    // Refused on either replica, still: the budget is the fleet's.
    assert.equal((await aiCall(first, 1, '198.51.100.1')).status, 429);
    assert.equal((await aiCall(second, 1, '198.51.100.1')).status, 429);
    // The budget covers AI routes only.
    assert.equal((await call(first, '/v1/models', { key: ALPHA, ip: '198.51.100.1' })).status, 200);

    // 150 requests from one address over both replicas: the fleet's 100 a minute.
    const ip = '198.51.100.9';
    const flood = await bounded(150, 8, (index) => call(replicaOf(index), '/v1/models', { key: BRAVO, ip }));
    assert.equal(count(flood, 200), 100, `statuses ${statuses(flood)}`);
    for (const refused of flood.filter((answer) => answer.status === 429)) {
      assert.match(refused.body.error?.message ?? '', /requests per IP address: 100 per minute/);
      assert.equal(refused.headers.get('RateLimit-Policy'), '100;w=60');
    }
    const [perIp] = await redis.keys(`levee:ratelimit:all.ip.1m:${ip}:*`);
    assert.equal(await redis.get(perIp!), '100');
    const remaining = flood.filter((answer) => answer.status === 200).map((answer) => Number(answer.headers.get('RateLimit-Remaining')));
    assert.deepEqual(remaining.sort((a, b) => a - b), Array.from({ length: 100 }, (_, index) => index), 'each count handed out once, fleet-wide');
  });

  it('admits no second burst at a window boundary: 20 per 10 s spent at the end of one window leave a few at the start of the next', async () => {
    const [first, second] = fleet.replicas as [LeveeProcess, LeveeProcess];
    const ip = '192.0.2.50';
    // Unknown conversations: 404 when admitted, 429 when refused; every call alternates replicas.
    const probe = (index: number) => call(index % 2 === 0 ? first : second, '/v1/conversations/none', { key: BRAVO, ip });
    const windowStart = await intoWindow(redis, 10_000, 4_000, 7_000);

    // The end of window N: the 20 are spent, then refused.
    let sent = 0;
    let admittedBefore = 0;
    for (let answer = await probe(sent++); answer.status !== 429; answer = await probe(sent++)) {
      assert.equal(answer.status, 404);
      admittedBefore += 1;
    }
    assert.equal(admittedBefore, 20);
    assert.ok((await redisNowMs(redis)) < windowStart + 10_000, 'the limit was spent inside window N');

    // Over the boundary and 2 s into window N+1, calling without pause: a fixed window would admit 20 more.
    let admittedAfter = 0;
    const refusals: Answer[] = [];
    while ((await redisNowMs(redis)) < windowStart + 12_000) {
      const answer = await probe(sent++);
      if (answer.status === 404) admittedAfter += 1;
      else refusals.push(answer);
    }
    // 2 s into N+1 the 20 of N still weigh 16: at most 4 fit (5 with a late last answer).
    assert.ok(admittedAfter >= 1 && admittedAfter <= 5, `${admittedAfter} admitted after the boundary`);
    assert.ok(refusals.length > 20, `${refusals.length} refused`);
    for (const refused of refusals) {
      assert.equal(refused.status, 429);
      assert.match(refused.body.error?.message ?? '', /conversations requests per IP address: 20 per 10 seconds/);
      assert.equal(refused.headers.get('RateLimit-Policy'), '20;w=10');
    }
  });
});
