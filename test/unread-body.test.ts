/**
 * A body sent where no route reads it (a GET's) is read and dropped before the answer leaves, so
 * the connection never closes on unread bytes (a reset there can throw away the answer's tail).
 * Over its bound (1 MiB, 2 s) the answer is not held back.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnLevee, type LeveeProcess } from './support/levee-process.ts';

/** Everything the socket receives, and when the first byte came. */
function record(socket: Socket): { bytes: () => string; firstAt: () => number | undefined } {
  const chunks: Buffer[] = [];
  let firstAt: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    firstAt ??= Date.now();
    chunks.push(chunk);
  });
  return { bytes: () => Buffer.concat(chunks).toString('latin1'), firstAt: () => firstAt };
}

const responses = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

/** Whether the first response in `text` has arrived whole (its Content-Length of body after the head). */
function firstResponseWhole(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  const length = Number(/content-length: (\d+)/i.exec(text.slice(0, headEnd))?.[1]);
  return headEnd >= 0 && Number.isFinite(length) && text.length - headEnd - 4 >= length;
}

describe('a body no route reads', () => {
  let levee: LeveeProcess;
  before(async () => {
    levee = await spawnLevee();
  });
  after(() => levee?.stop());

  it('is read to its end before the answer, which then comes whole on a connection still open', async () => {
    const socket = connect(levee.port, '127.0.0.1');
    const received = record(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = Buffer.alloc(200_000, 'x');
    socket.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, 100_000));
    await delay(400);
    assert.equal(received.firstAt(), undefined, 'no answer while the body is still coming');
    const restSentAt = Date.now();
    socket.write(body.subarray(100_000));
    while (!firstResponseWhole(received.bytes())) await delay(20);
    assert.ok(received.firstAt()! >= restSentAt, 'the answer followed the last byte of the body');
    const head = received.bytes().slice(0, received.bytes().indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(head, /connection: close/i, 'the connection stays open: nothing was left unread');

    socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    assert.deepEqual(responses(received.bytes()), ['HTTP/1.1 200', 'HTTP/1.1 200'], 'a second request on the same connection is answered');
  });

  it('is not waited for past its bound: the answer comes without the rest of a larger body', async () => {
    const socket = connect(levee.port, '127.0.0.1');
    const received = record(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    const sentAt = Date.now();
    // Declares 4 MiB, sends 64 KiB and stops: the answer comes at the 2 s bound, not never.
    socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`);
    socket.write(Buffer.alloc(64 * 1024, 'x'));
    while (responses(received.bytes()).length === 0 && Date.now() - sentAt < 10_000) await delay(50);
    socket.destroy();
    assert.match(received.bytes(), /^HTTP\/1\.1 200/);
    const waited = received.firstAt()! - sentAt;
    assert.ok(waited >= 1_500 && waited < 5_000, `answered after ${waited} ms: held for the body, up to the bound`);
  });
});
