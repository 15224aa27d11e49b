/**
 * A WebSocket handshake over a bare socket (so hostile handshake headers go out as written) and,
 * when it is accepted, the planned frames, hand-built: well-formed ones, and protocol violations a
 * client library would never send (unmasked, reserved opcode or bits, invalid UTF-8).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { parseResponse, type RawResponse } from './raw-exchange.ts';

export type FramePlan =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; size: number }
  | { kind: 'ping' }
  | { kind: 'fragmented'; text: string }
  | { kind: 'violation'; how: 'unmasked' | 'reserved-opcode' | 'rsv-bits' | 'invalid-utf8' | 'oversized-control' };

export interface WebSocketPlan {
  frames: FramePlan[];
  /** A close frame (with this code, if any) or the socket simply dropped. */
  ending: { kind: 'close'; code?: number } | { kind: 'hang-up' };
}

export type WebSocketOutcome =
  | { kind: 'refused'; response: RawResponse; durationMs: number }
  | { kind: 'accepted'; accept: string | undefined; expectedAccept: string; messages: string[]; closeCodes: number[]; closedByServer: boolean; durationMs: number }
  | { kind: 'no-response'; reason: string; durationMs: number };

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9 } as const;

export function webSocketExchange(port: number, target: string, headers: ReadonlyArray<readonly [string, string]>, plan: WebSocketPlan, timeoutMs: number): Promise<WebSocketOutcome> {
  const started = performance.now();
  const key = headers.find(([name]) => name.toLowerCase() === 'sec-websocket-key')?.[1] ?? '';
  const expectedAccept = createHash('sha1').update(key + GUID).digest('base64');
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    let opened = false;
    let settled = false;
    let failure: string | undefined;
    const frames = { messages: [] as string[], closeCodes: [] as number[] };
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const durationMs = performance.now() - started;
      const head = parseResponse(received);
      if (!head) return resolve({ kind: 'no-response', reason: failure ?? 'closed without an answer', durationMs });
      if (head.status !== 101) return resolve({ kind: 'refused', response: head, durationMs });
      readFrames(received.subarray(received.indexOf('\r\n\r\n') + 4), frames);
      resolve({ kind: 'accepted', accept: head.headers['sec-websocket-accept']?.[0], expectedAccept, messages: frames.messages, closeCodes: frames.closeCodes, closedByServer, durationMs });
    };
    const timer = setTimeout(() => {
      failure = `not closed within ${timeoutMs} ms`;
      finish(false);
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (opened || received.indexOf('\r\n\r\n') < 0) return;
      opened = true;
      if (!/^HTTP\/1\.1 101 /.test(received.toString('latin1', 0, 16))) return;
      for (const frame of plan.frames) socket.write(encodeFrame(frame));
      if (plan.ending.kind === 'hang-up') return finish(false);
      socket.write(closeFrame(plan.ending.code));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.code ?? error.message;
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.map(([name, value]) => `${name}: ${value}`)];
    socket.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'));
  });
}

/** A masked client frame: FIN set unless `fin` is false. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; masked?: boolean; rsv?: number } = {}): Buffer {
  const masked = options.masked ?? true;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  let length: Buffer;
  if (payload.length < 126) length = Buffer.from([payload.length]);
  else if (payload.length < 65_536) length = Buffer.from([126, payload.length >> 8, payload.length & 0xff]);
  else {
    length = Buffer.alloc(9);
    length[0] = 127;
    length.writeBigUInt64BE(BigInt(payload.length), 1);
  }
  length[0]! |= masked ? 0x80 : 0;
  const mask = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = masked ? Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!)) : payload;
  return Buffer.concat([Buffer.from([first]), length, mask, body]);
}

function encodeFrame(plan: FramePlan): Buffer {
  switch (plan.kind) {
    case 'text':
      return frame(OPCODE.text, Buffer.from(plan.text, 'utf8'));
    case 'binary':
      return frame(OPCODE.binary, Buffer.alloc(plan.size, 7));
    case 'ping':
      return frame(OPCODE.ping, Buffer.from('are you there'));
    case 'fragmented': {
      const bytes = Buffer.from(plan.text, 'utf8');
      const half = Math.floor(bytes.length / 2);
      return Buffer.concat([frame(OPCODE.text, bytes.subarray(0, half), { fin: false }), frame(OPCODE.continuation, bytes.subarray(half))]);
    }
    case 'violation':
      if (plan.how === 'unmasked') return frame(OPCODE.text, Buffer.from('{"type":"ping"}'), { masked: false });
      if (plan.how === 'reserved-opcode') return frame(0x3, Buffer.from('x'));
      if (plan.how === 'rsv-bits') return frame(OPCODE.text, Buffer.from('{"type":"ping"}'), { rsv: 0b100 });
      if (plan.how === 'invalid-utf8') return frame(OPCODE.text, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
      return frame(OPCODE.ping, Buffer.alloc(200, 1));
  }
}

function closeFrame(code: number | undefined): Buffer {
  if (code === undefined) return frame(OPCODE.close, Buffer.alloc(0));
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return frame(OPCODE.close, payload);
}

/** Server frames (unmasked): text messages and close codes, as far as they arrived. */
function readFrames(bytes: Buffer, into: { messages: string[]; closeCodes: number[] }): void {
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const opcode = bytes[offset]! & 0x0f;
    let length = bytes[offset + 1]! & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) return;
    const payload = bytes.subarray(start, start + length);
    if (opcode === OPCODE.text) into.messages.push(payload.toString('utf8'));
    if (opcode === OPCODE.close) into.closeCodes.push(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
    offset = start + length;
  }
}
