/**
 * Graceful shutdown of a real process: readiness flips at once, the listener keeps accepting for
 * the drain delay, in-flight requests finish, then new connections are refused and it exits 0.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { spawnLevee } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';

const GRACE_MS = 10_000;

function get(url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time, like 50 separate clients.
    const outgoing = request(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  it('drains 50 in-flight requests, refuses new connections after, and exits 0 within the grace period', async () => {
    // The requests outlive the drain delay, so they must also survive the listener closing.
    const levee = await spawnLevee({ env: { SHUTDOWN_DRAIN_DELAY_MS: '700', SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    assert.equal((await get(`${levee.url}/health/ready`)).status, 200);

    const inFlight = Array.from({ length: 50 }, () => get(`${levee.url}/test/slow?ms=1000`));
    await waitFor(async () => {
      const { body } = await get(`${levee.url}/test/in-flight`);
      return (JSON.parse(body) as { in_flight: number }).in_flight === 50 ? true : undefined;
    }, { what: () => '50 requests in flight' });

    const signalledAt = Date.now();
    levee.child.kill('SIGTERM');

    // During the drain delay the listener still accepts, and readiness says go away.
    const ready = await waitFor(async () => {
      const response = await get(`${levee.url}/health/ready`);
      return response.status === 503 ? response : undefined;
    }, { what: () => 'readiness to turn 503' });
    assert.equal(JSON.parse(ready.body).phase, 'draining');
    assert.equal(ready.connection, 'close');

    const responses = await Promise.all(inFlight);
    assert.deepEqual(responses.map((response) => response.status), Array(50).fill(200));
    // Keep-alive clients are told to reconnect elsewhere rather than reuse this replica.
    assert.deepEqual(responses.map((response) => response.connection), Array(50).fill('close'));
    const closedAt = levee.logs().find((line) => String(line.msg).startsWith('shutdown: listener closed'));
    assert.equal(closedAt?.in_flight, 50, 'all 50 were still running when the listener closed');

    await waitFor(async () => ((await connectionRefused(levee.port)) ? true : undefined), {
      what: () => 'new connections to be refused',
    });
    const { code } = await levee.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - signalledAt < GRACE_MS, 'exited before the grace period ended');
    const messages = levee.logs().map((line) => line.msg);
    assert.ok(messages.includes('shutdown: done'));
  });

  it('exits at once on a second signal, even with requests in flight', async () => {
    const levee = await spawnLevee({ env: { SHUTDOWN_DRAIN_DELAY_MS: '10000', SHUTDOWN_GRACE_MS: '30000' } });
    const slow = get(`${levee.url}/test/slow?ms=20000`).catch((error: Error) => error);
    await waitFor(async () => {
      const { body } = await get(`${levee.url}/test/in-flight`);
      return (JSON.parse(body) as { in_flight: number }).in_flight === 1 ? true : undefined;
    });
    levee.child.kill('SIGTERM');
    await waitFor(() => levee.logs().find((line) => String(line.msg).startsWith('shutdown: draining')));
    levee.child.kill('SIGTERM');
    const { code } = await levee.exited;
    assert.equal(code, 143);
    assert.ok((await slow) instanceof Error, 'the in-flight request was cut');
  });
});
