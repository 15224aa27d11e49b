/**
 * The WebSocket connection manager of a real Levee process, met by real `ws` clients (issue 18,
 * acceptance points 3–7): the limits per client and in total (429 / 503 answers that never become
 * sockets), the guards of /v1/events and /admin/events and the browser's subprotocol key, the
 * heartbeat (a client that never pongs is cut, an idle one closed with 4000, a talking one kept),
 * a consumer that stops reading closed before it costs memory, and a going-away close (1001) for
 * every connection when the process drains, which then exits 0.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import { FAST_POLICIES, startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { waitFor } from './support/wait-for.ts';

const KEYS = { alice: 'alice-key-0123456789', bob: 'bob-key-0123456789', carol: 'carol-key-0123456789' };
const API_KEYS = Object.entries(KEYS).map(([name, key]) => `${name}:${key}`).join(',');
const ADMIN_TOKEN = FAST_POLICIES.ADMIN_TOKEN!;
const PROTOCOL = 'levee.events.v1';

type Message = { type: string } & Record<string, unknown>;

interface Client {
  socket: WebSocket;
  messages: Message[];
  /** performance.now() at 'open'. */
  openedAt: number;
  /** Settles on 'close' with its code and when it came. */
  closed: Promise<{ code: number; at: number }>;
}

interface Refusal {
  status: number;
  body: { error?: { code?: string } };
}

interface ConnectOptions extends ClientOptions {
  key?: string;
  path?: string;
  protocols?: string[];
}

function socketFor(baseUrl: string, { key, path = '/v1/events', protocols = [], ...options }: ConnectOptions): WebSocket {
  const headers = { ...options.headers, ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) };
  return new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, protocols, { ...options, headers });
}

/** An open connection recording every message; fails when the handshake is refused. */
async function connect(baseUrl: string, options: ConnectOptions = {}): Promise<Client> {
  const socket = socketFor(baseUrl, options);
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code) => resolve({ code, at: performance.now() })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
    socket.once('error', reject);
  });
  // A client cut mid-write (a slow consumer) meets EPIPE / ECONNRESET: what matters is the close.
  socket.on('error', () => {});
  return { socket, messages, openedAt: performance.now(), closed };
}

/** A handshake that must be refused: the HTTP status and JSON body it got instead. An 'open' fails. */
async function refused(baseUrl: string, options: ConnectOptions = {}): Promise<Refusal> {
  const socket = socketFor(baseUrl, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('the handshake was accepted: the socket opened'));
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Refusal['body'] });
      });
    });
  });
}

const metric = (baseUrl: string, name: string, labels: Record<string, string>) => scrapeMetric(baseUrl, `levee_websocket_${name}`, labels);

/** Closes every client and waits until the replica counts no open connection. */
async function closeAll(baseUrl: string, clients: Client[]): Promise<void> {
  for (const client of clients) client.socket.close();
  await Promise.all(clients.map((client) => client.closed));
  await waitFor(async () => (await metric(baseUrl, 'connections', { endpoint: 'client' })) === 0 && (await metric(baseUrl, 'connections', { endpoint: 'admin' })) === 0, {
    what: 'no open connection on the replica',
  });
}

describe('event connections: guards, limits and a slow consumer', { timeout: 60_000 }, () => {
  let stack: LeveeWithSimulator;
  let url: string;
  before(async () => {
    stack = await startLeveeWithSimulator({
      API_KEYS,
      WS_MAX_CONNECTIONS_PER_CLIENT: '5',
      WS_MAX_CONNECTIONS: '10',
      WS_SEND_BUFFER_BYTES: '65536',
      // Pings stay out of the way; a consumer that reads nothing is cut 1 s after its close frame.
      WS_PING_INTERVAL_MS: '60000',
      WS_PONG_TIMEOUT_MS: '1000',
    });
    url = stack.levee.url;
  });
  after(() => stack?.stop());

  it('refuses a missing or wrong key (401) and a client key on /admin/events (403), never opening', async () => {
    const noKey = await refused(url);
    assert.equal(noKey.status, 401);
    const wrongKey = await refused(url, { key: 'not-a-key-0123456789' });
    assert.equal(wrongKey.status, 401);
    const clientOnAdmin = await refused(url, { path: '/admin/events', key: KEYS.alice });
    assert.equal(clientOnAdmin.status, 403);
    assert.equal(clientOnAdmin.body.error?.code, 'forbidden');
    for (const refusal of [noKey, wrongKey]) assert.equal(refusal.body.error?.code, 'unauthorized');

    const plain = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${KEYS.alice}` } });
    assert.equal(plain.status, 426);
    assert.equal(((await plain.json()) as Refusal['body']).error?.code, 'upgrade_required');
  });

  // Found by test/fuzz/: ws answered these itself, a bare text/html 400 without a request id.
  it("answers a handshake ws cannot complete in OpenAI's shape, never opening", async () => {
    const handshake = { authorization: `Bearer ${KEYS.alice}`, upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };
    const cases: Array<[Record<string, string>, number, string, string | null]> = [
      [{ 'sec-websocket-protocol': `${PROTOCOL}, a b` }, 400, 'invalid_request', 'Sec-WebSocket-Protocol'],
      [{ 'sec-websocket-protocol': `${PROTOCOL}, ${PROTOCOL}` }, 400, 'invalid_request', 'Sec-WebSocket-Protocol'],
      [{ 'sec-websocket-key': 'short' }, 400, 'invalid_request', 'Sec-WebSocket-Key'],
      [{ 'sec-websocket-version': '12' }, 426, 'upgrade_required', 'Sec-WebSocket-Version'],
      [{ upgrade: 'h2c' }, 426, 'upgrade_required', null],
    ];
    for (const [change, status, code, param] of cases) {
      const answer = await new Promise<{ status: number; requestId: unknown; body: { error: Record<string, unknown> } }>((resolve, reject) => {
        const outgoing = request(`${url}/v1/events`, { headers: { ...handshake, ...change }, agent: false }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, requestId: response.headers['x-request-id'], body: JSON.parse(text) as { error: Record<string, unknown> } }));
        });
        outgoing.on('upgrade', (_response, socket) => {
          socket.destroy();
          reject(new Error(`${JSON.stringify(change)}: the handshake was accepted`));
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
      assert.deepEqual([answer.status, answer.body.error.code, answer.body.error.param], [status, code, param], JSON.stringify(change));
      assert.equal(answer.body.error.request_id, answer.requestId);
    }
  });

  it('opens /admin/events with the admin token: a welcome, then the breakers snapshot', async () => {
    const admin = await connect(url, { path: '/admin/events', key: ADMIN_TOKEN });
    await waitFor(() => admin.messages.length >= 2, { what: () => `two messages, got ${JSON.stringify(admin.messages)}` });
    assert.deepEqual(admin.messages.map((message) => message.type).slice(0, 2), ['welcome', 'breakers']);
    assert.equal(admin.messages[0]!.protocol, PROTOCOL);
    await closeAll(url, [admin]);
  });

  it('takes a browser key as a subprotocol and answers levee.events.v1', async () => {
    const browser = await connect(url, { protocols: [PROTOCOL, `levee.key.${Buffer.from(KEYS.bob).toString('base64url')}`] });
    assert.equal(browser.socket.protocol, PROTOCOL);
    await waitFor(() => browser.messages[0]?.type === 'welcome', { what: 'the welcome' });
    const wrong = await refused(url, { protocols: [PROTOCOL, `levee.key.${Buffer.from('not-a-key-0123456789').toString('base64url')}`] });
    assert.equal(wrong.status, 401);
    await closeAll(url, [browser]);
  });

  it("refuses a client's sixth connection (429) while others connect, and the replica's eleventh (503)", async () => {
    const alice = await Promise.all(Array.from({ length: 5 }, () => connect(url, { key: KEYS.alice })));
    const sixth = await refused(url, { key: KEYS.alice });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error?.code, 'too_many_connections');

    // Bob's limit is his own: five more, and the replica holds its ten.
    const bob = await Promise.all(Array.from({ length: 5 }, () => connect(url, { key: KEYS.bob })));
    const eleventh = await refused(url, { key: KEYS.carol });
    assert.equal(eleventh.status, 503);
    assert.equal(eleventh.body.error?.code, 'replica_unavailable');

    assert.equal(await metric(url, 'connections', { endpoint: 'client' }), 10);
    assert.equal(await metric(url, 'refused_total', { endpoint: 'client', reason: 'per_client_limit' }), 1);
    assert.equal(await metric(url, 'refused_total', { endpoint: 'client', reason: 'total_limit' }), 1);
    await closeAll(url, [...alice, ...bob]);
    // A slot freed is a slot: carol connects now.
    await closeAll(url, [await connect(url, { key: KEYS.carol })]);
  });

  it("closes a client that stops reading while it floods pings, its pongs queued against a bounded buffer (Levee's RSS grows < 50 MiB)", async (t) => {
    const rss = async () => ((await (await fetch(`${url}/health/detailed`)).json()) as { process: { rss_bytes: number } }).process.rss_bytes;
    const rssBefore = await rss();
    const client = await connect(url, { key: KEYS.alice });
    // The client's TCP socket stops reading: every pong queues on the server.
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const ping = JSON.stringify({ type: 'ping' });
    let sent = 0;
    let stopped = false;
    const flood = (async () => {
      while (!stopped && client.socket.readyState === WebSocket.OPEN) {
        for (let index = 0; index < 1_000; index += 1) client.socket.send(ping);
        sent += 1_000;
        // Let the socket write, and the probe below run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await waitFor(async () => (await metric(url, 'closed_total', { endpoint: 'client', reason: 'slow_consumer' })) >= 1, {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: () => `a slow_consumer close (${sent} pings sent)`,
      });
    } finally {
      stopped = true;
      await flood;
    }
    assert.ok((await metric(url, 'send_buffer_drops_total', { endpoint: 'client' })) >= 1);
    (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await client.closed;
    await waitFor(async () => (await metric(url, 'connections', { endpoint: 'client' })) === 0, { what: 'the slow consumer gone from the gauge' });
    const grown = (await rss()) - rssBefore;
    t.diagnostic(`${sent} pings sent; RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
    assert.ok(grown < 50 * 1024 * 1024, `RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MiB (${sent} pings sent)`);
  });
});

describe('event connections: heartbeat and idle timeout', { timeout: 30_000 }, () => {
  const PING_MS = 200;
  const PONG_TIMEOUT_MS = 300;
  const IDLE_MS = 1_500;
  let stack: LeveeWithSimulator;
  let url: string;
  before(async () => {
    stack = await startLeveeWithSimulator({ WS_PING_INTERVAL_MS: String(PING_MS), WS_PONG_TIMEOUT_MS: String(PONG_TIMEOUT_MS), WS_IDLE_TIMEOUT_MS: String(IDLE_MS) });
    url = stack.levee.url;
  });
  after(() => stack?.stop());

  it('cuts a client that never pongs, closes an idle one with 4000, keeps one that talks', async (t) => {
    const [silent, idle, talking] = await Promise.all([connect(url, { autoPong: false }), connect(url), connect(url)]);
    const pongs = () => talking.messages.filter((message) => message.type === 'pong').length;
    const talk = setInterval(() => talking.socket.send(JSON.stringify({ type: 'ping' })), 300);
    try {
      // Cut without a close frame: at the first ping after the connection, plus the pong deadline.
      const cut = await silent.closed;
      assert.equal(cut.code, 1006);
      const cutAfter = cut.at - silent.openedAt;
      assert.ok(cutAfter >= PONG_TIMEOUT_MS - 50 && cutAfter < PING_MS + PONG_TIMEOUT_MS + 1_000, `cut ${Math.round(cutAfter)} ms after opening`);
      await waitFor(async () => (await metric(url, 'terminated_total', { endpoint: 'client', reason: 'pong_timeout' })) === 1, { what: 'one pong_timeout termination' });

      // The welcome was the last message either way; server pings do not count as activity.
      const closed = await idle.closed;
      assert.equal(closed.code, 4000);
      const idleFor = closed.at - idle.openedAt;
      assert.ok(idleFor >= IDLE_MS - 100 && idleFor < IDLE_MS + 1_500, `idle close ${Math.round(idleFor)} ms after opening`);
      // The client may hear the close a moment before the server's socket reports it.
      await waitFor(async () => (await metric(url, 'closed_total', { endpoint: 'client', reason: 'idle' })) === 1, { what: 'one idle close counted' });
      t.diagnostic(`cut ${Math.round(cutAfter)} ms and idle-closed ${Math.round(idleFor)} ms after opening`);

      // Well past the idle timeout: it answers the server's pings and sends its own every 300 ms.
      await waitFor(() => performance.now() - talking.openedAt > IDLE_MS * 1.5 && pongs() >= 6, { what: () => `the talking client past ${IDLE_MS * 1.5} ms (${pongs()} pongs)` });
      assert.equal(talking.socket.readyState, WebSocket.OPEN);
      assert.equal(await metric(url, 'terminated_total', { endpoint: 'client', reason: 'pong_timeout' }), 1);
    } finally {
      clearInterval(talk);
    }
    await closeAll(url, [talking]);
  });
});

describe('event connections: drain', { timeout: 30_000 }, () => {
  it('closes 50 connections with 1001 on SIGTERM, refuses new ones (503) while draining, and exits 0', async () => {
    const stack = await startLeveeWithSimulator({ WS_MAX_CONNECTIONS_PER_CLIENT: '100', SHUTDOWN_DRAIN_DELAY_MS: '2000' });
    const url = stack.levee.url;
    try {
      const clients = await Promise.all(Array.from({ length: 50 }, () => connect(url)));
      assert.equal(await metric(url, 'connections', { endpoint: 'client' }), 50);
      stack.levee.child.kill('SIGTERM');
      const codes = await Promise.all(clients.map(async (client) => (await client.closed).code));
      assert.deepEqual(codes, Array(50).fill(1001));

      // Still within the drain delay: the listener answers, the route refuses.
      const late = await refused(url);
      assert.equal(late.status, 503);
      assert.equal(late.body.error?.code, 'replica_unavailable');
      assert.equal(await metric(url, 'refused_total', { endpoint: 'client', reason: 'draining' }), 1);
      await waitFor(async () => (await metric(url, 'closed_total', { endpoint: 'client', reason: 'shutdown' })) === 50, { what: '50 shutdown closes counted' });

      const { code } = await stack.levee.exited;
      assert.equal(code, 0);
    } finally {
      await stack.stop();
    }
  });
});
