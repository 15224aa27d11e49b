/**
 * WebSocket upgrades of /v1/events and /admin/events: a handshake valid or with one part wrong,
 * credentials as a header or (browsers) a subprotocol, then a few messages (valid, near-valid,
 * garbage, protocol violations) and a close or a dropped socket.
 */
import fc from 'fast-check';
import { printable, type FuzzRequest } from './fuzz-request.ts';
import { hostileHeaderValue, hostileString, hostileValue, mutatedBody } from './hostile-values.ts';
import { jsonText } from './json-text.ts';
import { adminAuth, clientAuth, type FuzzFixtures } from './request-shape.ts';
import type { FramePlan, WebSocketPlan } from './ws-exchange.ts';

type Header = [string, string];

const validKey = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('base64'));

function handshake(protocols: fc.Arbitrary<string | undefined>): fc.Arbitrary<Header[]> {
  const usually = <T>(good: T, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: bad });
  return fc
    .record({
      upgrade: usually('websocket', fc.constantFrom('WebSocket', 'websocketx', '', 'h2c')),
      connection: usually('Upgrade', fc.constantFrom('keep-alive, Upgrade', 'close', 'upgrade', 'Upgrade, Upgrade')),
      key: fc.oneof({ weight: 9, arbitrary: validKey }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('short', '', '====', 'dGhlIHNhbXBsZSBub25jZQ'), hostileHeaderValue) }),
      version: usually('13', fc.constantFrom('8', '', 'abc', '13, 8', '14')),
      protocol: protocols,
      extensions: fc.option(fc.oneof(fc.constantFrom('permessage-deflate; client_max_window_bits', 'permessage-deflate; server_max_window_bits=99', 'x-unknown'), hostileHeaderValue), { freq: 8 }),
    })
    .map(({ upgrade, connection, key, version, protocol, extensions }) => {
      const headers: Header[] = [['Upgrade', upgrade], ['Connection', connection], ['Sec-WebSocket-Key', key], ['Sec-WebSocket-Version', version]];
      if (protocol !== undefined) headers.push(['Sec-WebSocket-Protocol', protocol]);
      if (extensions !== null) headers.push(['Sec-WebSocket-Extensions', extensions]);
      return headers;
    });
}

function messages(fixtures: FuzzFixtures): fc.Arbitrary<FramePlan[]> {
  const valid = fc.constantFrom<unknown>(
    { type: 'ping' },
    { type: 'subscribe', all: true },
    { type: 'subscribe', jobs: [fixtures.batchId, fixtures.importId] },
    { type: 'unsubscribe', jobs: [fixtures.batchId] },
    { type: 'unsubscribe', all: true },
    { type: 'subscribe', jobs: Array.from({ length: 101 }, (_, index) => `batch_${index}`) },
  );
  const text = fc.oneof({ weight: 3, arbitrary: valid }, { weight: 4, arbitrary: valid.chain(mutatedBody) }, { weight: 1, arbitrary: hostileValue }).map((value) => jsonText(value).slice(0, 60_000));
  const frame: fc.Arbitrary<FramePlan> = fc.oneof(
    { weight: 8, arbitrary: text.map((value) => ({ kind: 'text' as const, text: value })) },
    { weight: 2, arbitrary: hostileString.map((value) => ({ kind: 'text' as const, text: value.slice(0, 60_000) })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 65_535 }).map((size) => ({ kind: 'binary' as const, size })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'ping' as const }) },
    { weight: 1, arbitrary: text.map((value) => ({ kind: 'fragmented' as const, text: value })) },
    { weight: 1, arbitrary: fc.constantFrom('unmasked', 'reserved-opcode', 'rsv-bits', 'invalid-utf8', 'oversized-control').map((how) => ({ kind: 'violation' as const, how })) },
  );
  return fc.array(frame, { maxLength: 4 });
}

const ending: fc.Arbitrary<WebSocketPlan['ending']> = fc.oneof(
  { weight: 6, arbitrary: fc.option(fc.constantFrom(1000, 1001, 4000, 3000), { nil: undefined }).map((code) => ({ kind: 'close' as const, ...(code === undefined ? {} : { code }) })) },
  { weight: 1, arbitrary: fc.constantFrom(999, 1005, 1006, 5000).map((code) => ({ kind: 'close' as const, code })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'hang-up' as const }) },
);

export function eventRequests(fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const keyProtocol = (key: string) => `levee.events.v1, levee.key.${Buffer.from(key).toString('base64url')}`;
  const clientProtocols = fc.option(fc.oneof(fc.constant('levee.events.v1'), fc.constant(keyProtocol(fixtures.keys.a)), hostileHeaderValue.map((value) => `levee.events.v1, levee.key.${value}`), hostileHeaderValue), { freq: 3, nil: undefined });
  const endpoint = fc.oneof(
    { weight: 4, arbitrary: fc.record({ path: fc.constant('/v1/events'), auth: fc.oneof({ weight: 5, arbitrary: clientAuth(fixtures) }, { weight: 1, arbitrary: fc.constant([] as Header[]) }), handshake: handshake(clientProtocols) }) },
    { weight: 1, arbitrary: fc.record({ path: fc.constant('/admin/events'), auth: adminAuth(fixtures), handshake: handshake(fc.option(hostileHeaderValue, { freq: 4, nil: undefined })) }) },
  );
  return fc
    .record({ endpoint, plan: fc.record({ frames: messages(fixtures), ending }), requestId: fc.option(fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/), { freq: 3 }) })
    .map(({ endpoint: chosen, plan, requestId }) =>
      printable({
        route: `WS ${chosen.path}`,
        method: 'GET',
        target: chosen.path,
        headers: [...chosen.auth, ...chosen.handshake, ...(requestId === null ? [] : [['X-Request-Id', requestId] as Header])],
        framing: 'none',
        readsBody: false,
        upgrade: plan,
      }),
    );
}
