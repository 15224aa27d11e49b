/**
 * Inbound rate limits against a real redis-server and real replicas: a per-key limit is shared by
 * the fleet exactly; the per-IP identity follows X-Forwarded-For only through trusted proxies; and
 * with Redis killed every replica still limits on its own, per IP and per key, without failing a
 * request. (Policies, the AI budget and window boundaries: rate-limits.policies.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pMap from 'p-map';
import { createClient } from 'redis';
import { startFleet, type Fleet } from './support/fleet.ts';
import type { LeveeProcess } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { awayFromWindowEnd } from './support/redis-clock.ts';

const KEY = 'alpha-key-0123456789';

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { code: string; type: string } };
}

async function models(replica: LeveeProcess, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${replica.url}/v1/models`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

async function embed(replica: LeveeProcess, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${replica.url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'text-embedding-3-small', input: 'local counts' }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

/** Runs `count` calls of `send(i)`, at most `concurrency` at a time, answers in call order. */
const bounded = <T>(count: number, concurrency: number, send: (index: number) => Promise<T>): Promise<T[]> =>
  pMap(Array.from({ length: count }, (_, index) => index), send, { concurrency });

const header = (answer: Answer, name: string) => Number(answer.headers.get(name));

describe('inbound rate limits', () => {
  let fleet: Fleet;
  let redis: ReturnType<typeof createClient>;
  before(async () => {
    fleet = await startFleet({ replicas: 0 });
    redis = createClient({ url: fleet.redis.url });
    redis.on('error', () => undefined);
    await redis.connect();
  });
  after(async () => {
    await redis.close().catch(() => undefined);
    await fleet.stop();
  });

  it('admits exactly 100 of 300 requests by one key spread over two replicas; the rest get 429 with consistent headers', async () => {
    const env = { API_KEYS: `alpha:${KEY}`, RATE_LIMIT_KEY_PER_MIN: '100', REDIS_KEY_PREFIX: 'shared:' };
    const replicas = await Promise.all([fleet.spawnReplica(env), fleet.spawnReplica(env)]);
    try {
      // All in one minute window: across a boundary the sliding window admits a few more.
      await awayFromWindowEnd(redis, 60_000, 15_000);
      const answers = await bounded(300, 8, (index) => models(replicas[index % 2]!, { Authorization: `Bearer ${KEY}` }));
      const admitted = answers.filter((answer) => answer.status === 200);
      const limited = answers.filter((answer) => answer.status === 429);
      assert.equal(admitted.length, 100);
      assert.equal(limited.length, 200);

      // One shared window: every count from 1 to 100 was handed out exactly once, fleet-wide.
      const remaining = admitted.map((answer) => header(answer, 'RateLimit-Remaining')).sort((a, b) => a - b);
      assert.deepEqual(remaining, Array.from({ length: 100 }, (_, index) => index));
      for (const answer of [...admitted, ...limited]) {
        assert.equal(header(answer, 'RateLimit-Limit'), 100);
        assert.equal(answer.headers.get('RateLimit-Policy'), '100;w=60');
        // The window's end, or with none left when the next will fit: up to a minute and 0.6 s on.
        const reset = header(answer, 'RateLimit-Reset');
        assert.ok(reset >= 1 && reset <= 61, `RateLimit-Reset ${reset}`);
      }
      for (const answer of limited) {
        assert.equal(answer.body.error?.code, 'rate_limit_exceeded');
        assert.equal(answer.body.error?.type, 'rate_limit_error');
        assert.equal(header(answer, 'RateLimit-Remaining'), 0);
        assert.equal(header(answer, 'Retry-After'), header(answer, 'RateLimit-Reset'));
      }
      assert.ok(answers.filter((answer, index) => index % 2 === 0 && answer.status === 200).length > 0, 'both replicas admitted some');
      assert.ok(answers.filter((answer, index) => index % 2 === 1 && answer.status === 200).length > 0, 'both replicas admitted some');

      // The count lives under Levee's prefix, by policy, key name (never the key) and window, kept two windows.
      const keys = await redis.keys('shared:ratelimit:*');
      assert.equal(keys.length, 1);
      assert.match(keys[0]!, /^shared:ratelimit:all\.key\.1m:alpha:\d+$/);
      assert.equal(await redis.get(keys[0]!), '100', 'refusals are not counted');
      const ttlMs = await redis.pTTL(keys[0]!);
      assert.ok(ttlMs > 60_000 && ttlMs <= 120_000, `TTL ${ttlMs}`);

      const route = { http_route: '/v1/models', scope: 'key', policy: 'all.key.1m' };
      const allowed = await Promise.all(replicas.map((replica) => scrapeMetric(replica.url, 'levee_rate_limit_decisions_total', { ...route, outcome: 'allowed' })));
      const refused = await Promise.all(replicas.map((replica) => scrapeMetric(replica.url, 'levee_rate_limit_decisions_total', { ...route, outcome: 'limited' })));
      assert.equal(allowed[0]! + allowed[1]!, 100);
      assert.equal(refused[0]! + refused[1]!, 200);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });

  it('a spoofed X-Forwarded-For never changes the IP identity; the entry a trusted proxy appends does', async () => {
    const [direct, proxied] = await Promise.all([
      fleet.spawnReplica({ RATE_LIMIT_IP_PER_MIN: '3', TRUST_PROXY_HOPS: '0', REDIS_KEY_PREFIX: 'hops0:' }),
      fleet.spawnReplica({ RATE_LIMIT_IP_PER_MIN: '3', TRUST_PROXY_HOPS: '1', REDIS_KEY_PREFIX: 'hops1:' }),
    ]);
    try {
      // No proxy trusted: the socket address counts, whatever the client writes.
      const spoofed = await bounded(4, 1, (index) => models(direct!, { 'X-Forwarded-For': `6.6.6.${index}` }));
      assert.deepEqual(spoofed.map((answer) => answer.status), [200, 200, 200, 429]);
      const directKeys = await redis.keys('hops0:ratelimit:all.ip.1m:*');
      assert.equal(directKeys.length, 1);
      assert.match(directKeys[0]!, /:127\.0\.0\.1:\d+$/);

      // One proxy trusted: its appended entry counts; the client's own leftmost entries never do.
      const viaProxy = await bounded(4, 1, (index) => models(proxied!, { 'X-Forwarded-For': `6.6.6.${index}, 203.0.113.7` }));
      assert.deepEqual(viaProxy.map((answer) => answer.status), [200, 200, 200, 429]);
      assert.equal((await models(proxied!, { 'X-Forwarded-For': '6.6.6.0, 203.0.113.8' })).status, 200, 'another client behind the proxy');
      const proxiedKeys = (await redis.keys('hops1:ratelimit:all.ip.1m:*')).map((key) => key.replace(/:\d+$/, ''));
      assert.deepEqual(proxiedKeys.sort(), ['hops1:ratelimit:all.ip.1m:203.0.113.7', 'hops1:ratelimit:all.ip.1m:203.0.113.8']);

      // Health and metrics are never limited.
      const live = await fetch(`${direct!.url}/health/live`);
      assert.equal(live.status, 200);
      assert.equal(live.headers.get('RateLimit-Limit'), null);
    } finally {
      await Promise.all([direct!.stop(), proxied!.stop()]);
    }
  });

  it('limits requests without a key by IP before refusing them for the missing key', async () => {
    const replica = await fleet.spawnReplica({ API_KEYS: `alpha:${KEY}`, RATE_LIMIT_IP_PER_MIN: '2', REDIS_KEY_PREFIX: 'flood:' });
    try {
      const answers = await bounded(3, 1, () => models(replica));
      assert.deepEqual(answers.map((answer) => answer.status), [401, 401, 429]);
      assert.equal(header(answers[0]!, 'RateLimit-Remaining'), 1, '401s carry the IP limit headers too');
      const unrouted = await fetch(`${replica.url}/v1/no-such-thing`);
      assert.equal(unrouted.status, 429, 'paths no route serves count against the IP limit too');
      assert.equal(unrouted.headers.get('RateLimit-Remaining'), '0');
    } finally {
      await replica.stop();
    }
  });

  it('with Redis killed, each replica limits to its share and no request fails because of Redis', async () => {
    const env = { API_KEYS: `alpha:${KEY}`, RATE_LIMIT_IP_PER_MIN: '8', RATE_LIMIT_AI_KEY_PER_HOUR: '4', REDIS_KEY_PREFIX: 'down:' };
    const replicas = await Promise.all([fleet.spawnReplica(env), fleet.spawnReplica(env)]);
    try {
      // Both have seen each other's heartbeat, so each knows it is one of two.
      await waitFor(async () => {
        const seen = await Promise.all(replicas.map(async (replica) => {
          const detailed = (await (await fetch(`${replica.url}/health/detailed`)).json()) as { checks: { redis: { live_replicas: number } } };
          return detailed.checks.redis.live_replicas;
        }));
        return seen.every((count) => count === 2) ? true : undefined;
      }, { timeoutMs: 5_000, what: () => 'both replicas to see two live replicas' });
      await fleet.redis.kill();
      const answers = await bounded(12, 4, (index) => embed(replicas[index % 2]!, { Authorization: `Bearer ${KEY}` }));
      assert.ok(answers.every((answer) => answer.status === 200 || answer.status === 429), `statuses ${answers.map((answer) => answer.status)}`);
      // Each replica has half of each policy: 4 a minute per IP, 2 an hour of AI calls per key.
      // The first 4 pass the IP step, 2 of them the AI budget; the IP step counted all 4.
      for (const side of [0, 1]) {
        const mine = answers.filter((_, index) => index % 2 === side);
        assert.deepEqual(mine.map((answer) => answer.status).sort(), [200, 200, 429, 429, 429, 429], `replica ${side}`);
        const refusedBy = mine.filter((answer) => answer.status === 429).map((answer) => answer.headers.get('RateLimit-Policy'));
        assert.deepEqual(refusedBy.sort(), ['2;w=3600', '2;w=3600', '4;w=60', '4;w=60'], `replica ${side}`);
      }

      // And it says so: the feature runs on local state.
      const detailed = await (await fetch(`${replicas[0]!.url}/health/detailed`)).text();
      assert.match(detailed, /"rate_limits":\{"mode":"local"/);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await fleet.redis.restart();
    }
  });
});
