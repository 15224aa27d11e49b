/**
 * Turns a route's shape (method, paths, a valid body) into generated requests: mostly a valid
 * request with one thing wrong (a mutated body, a hostile header, a lying Content-Length), some
 * wholly random, and a valid key most of the time so the checks behind authentication are reached.
 */
import fc from 'fast-check';
import { TAG, printable, type Framing, type FuzzRequest } from './fuzz-request.ts';
import { byteDamage, hostileHeaderValue, hostileValue, mutatedBody } from './hostile-values.ts';
import { jsonText } from './json-text.ts';

/** What the generators need to know about the Levee under test and the objects made before the run. */
export interface FuzzFixtures {
  keys: { a: string; b: string };
  adminToken: string;
  /** A collection (1,536 dimensions) with one document; upserts and searches aim here. */
  docsCollection: string;
  documentId: string;
  /** A collection imports aim at (so imported documents never mix with upserted ones). */
  importsCollection: string;
  /** Key a's `batch` file (two chat lines) and `user_data` file (two documents). */
  batchFileId: string;
  documentsFileId: string;
  /** Key a's batch and import, for the routes that read one. */
  batchId: string;
  importId: string;
  /** The breakers' names (`postgres`, `llm/<provider>`): admin resets may name them, isolations never. */
  breakers: string[];
}

type Header = [string, string];

export interface RouteShape {
  route: string;
  method: string;
  target: fc.Arbitrary<string>;
  /** A valid JSON body; unset: the route takes none (one is sometimes sent anyway). */
  validBody?: fc.Arbitrary<unknown>;
  /** A ready body with its own Content-Type (multipart uploads). */
  rawBody?: fc.Arbitrary<{ contentType: string; body: Buffer }>;
  auth: 'client' | 'admin' | 'none';
  idempotent?: boolean;
  conversation?: boolean;
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset="UTF-8"'];
const WRONG_TYPES = [
  '', 'text/plain', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
  'application/jsonx', 'application/vnd.api+json', 'application/json;;;', 'json', '*/*', 'application/json, text/plain', 'application/json; charset',
];

export function clientAuth(fixtures: FuzzFixtures): fc.Arbitrary<Header[]> {
  const { a, b } = fixtures.keys;
  return shrinkingOneof(
    { weight: 14, arbitrary: fc.constant([['Authorization', `Bearer ${a}`]] as Header[]) },
    { weight: 3, arbitrary: fc.constant([['Authorization', `Bearer ${b}`]] as Header[]) },
    { weight: 1, arbitrary: fc.constant([] as Header[]) },
    { weight: 2, arbitrary: garbageAuthorization([a]) },
    { weight: 1, arbitrary: fc.constant([['Authorization', `Bearer ${a}`], ['Authorization', `Bearer ${b}`]] as Header[]) },
  );
}

export function adminAuth(fixtures: FuzzFixtures): fc.Arbitrary<Header[]> {
  return shrinkingOneof(
    { weight: 5, arbitrary: fc.constant([['Authorization', `Bearer ${fixtures.adminToken}`]] as Header[]) },
    { weight: 1, arbitrary: fc.constant([['Authorization', `Bearer ${fixtures.keys.a}`]] as Header[]) },
    { weight: 1, arbitrary: fc.constant([] as Header[]) },
    { weight: 2, arbitrary: garbageAuthorization([fixtures.adminToken]) },
    // A console session cookie that is not one Levee signed (forged, truncated, hostile).
    { weight: 1, arbitrary: fc.oneof(hostileHeaderValue, fc.constantFrom('', '1.2.3', '99999999999999.AAAAAAAAAAAAAAAAAAAAAA.' + 'A'.repeat(43))).map((value) => [['Cookie', `levee_console=${value}`]] as Header[]) },
  );
}

function garbageAuthorization(secrets: string[]): fc.Arbitrary<Header[]> {
  const near = secrets.flatMap((secret) => [`bearer ${secret}`, `Bearer ${secret}x`, `Bearer  ${secret}  `, `Bearer ${secret} extra`, `Token ${secret}`, `Bearer ${secret.slice(0, -1)}`, `Bearer ${secret.toUpperCase()}`]);
  return fc
    .oneof(hostileHeaderValue.map((value) => `Bearer ${value}`), hostileHeaderValue, fc.constantFrom('Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer ', ...near))
    .map((value) => [['Authorization', value]] as Header[]);
}

const timeoutHeader: fc.Arbitrary<Header[]> = fc.oneof(
  fc.constantFrom('', '0', '-1', '1.5', 'soon', '99999999999', '1e3', ' 100', '30000', '120000', '0x10', '٣٠٠').map((value): Header[] => [['X-Request-Timeout-Ms', value]]),
  fc.integer({ min: 1, max: 200 }).map((value): Header[] => [['X-Request-Timeout-Ms', String(value)]]),
  fc.constantFrom('0.001', 'abc', '-5', '1e9', 'NaN', '0.5').map((value): Header[] => [['X-Stainless-Timeout', value]]),
  hostileHeaderValue.map((value): Header[] => [['X-Request-Timeout-Ms', value]]),
);

/** Headers that conflict with the body's framing (request smuggling's raw material). */
const framingTricks: fc.Arbitrary<Header[]> = fc.constantFrom<Header[]>(
  [['Content-Length', '5']],
  [['Transfer-Encoding', 'chunked']],
  [['Transfer-Encoding', 'gzip, chunked']],
  [['Content-Encoding', 'gzip']],
  [['Content-Encoding', 'identity']],
  [['Content-Encoding', 'br, x-unknown']],
  [['Expect', '100-continue']],
  [['Expect', 'the-unexpected']],
);

/**
 * Cross-shrinking `oneof`: a failing value may shrink into an earlier option, so a counterexample
 * keeps only the hostility it needs (the first option is always the plain one).
 */
const shrinkingOneof = <T>(...options: Array<fc.WeightedArbitrary<T>>): fc.Arbitrary<T> => fc.oneof({ withCrossShrink: true }, ...options);

/** Present `percent` of the time; shrinks to absent. */
function optional(arbitrary: fc.Arbitrary<Header[]>, percent: number): fc.Arbitrary<Header[]> {
  return shrinkingOneof({ weight: 100 - percent, arbitrary: fc.constant([] as Header[]) }, { weight: percent, arbitrary });
}

/** The headers any route may get besides its credentials. */
function extraHeaders(shape: RouteShape): fc.Arbitrary<Header[]> {
  const parts = [
    optional(fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/) }, { weight: 1, arbitrary: hostileHeaderValue }).map((value): Header[] => [['X-Request-Id', value]]), 35),
    optional(timeoutHeader, 6),
    optional(framingTricks, 3),
    optional(fc.constantFrom('no-cache', 'no-store', 'only-if-cached', 'max-age=-1', 'no-cache, no-store', '\u0001').map((value): Header[] => [['Cache-Control', value]]), 4),
    optional(fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,20}$/), hostileHeaderValue).map((pair): Header[] => [pair]), 5),
  ];
  if (shape.idempotent) parts.push(optional(fc.oneof({ weight: 4, arbitrary: fc.constant(`fz-${TAG}`) }, { weight: 1, arbitrary: hostileHeaderValue }).map((value): Header[] => [['Idempotency-Key', value]]), 40));
  if (shape.conversation) parts.push(optional(fc.oneof({ weight: 4, arbitrary: fc.constant(`fz-${TAG}`) }, { weight: 1, arbitrary: hostileHeaderValue }).map((value): Header[] => [['X-Conversation-Id', value]]), 35));
  return fc.tuple(...parts).map((groups) => groups.flat());
}

/** The JSON body: valid, valid with one or two things wrong, or anything at all; sometimes damaged as bytes. */
function jsonBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  const value = shrinkingOneof(
    { weight: 5, arbitrary: valid },
    { weight: 5, arbitrary: valid.chain(mutatedBody) },
    { weight: 1, arbitrary: hostileValue },
  );
  const damaged = shrinkingOneof<((text: Buffer) => Buffer) | undefined>({ weight: 14, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: byteDamage });
  return fc.tuple(value, damaged).map(([body, damage]) => {
    const bytes = Buffer.from(jsonText(body), 'utf8');
    return damage ? damage(bytes) : bytes;
  });
}

const contentType = (types: string[]) =>
  shrinkingOneof({ weight: 30, arbitrary: fc.constantFrom(...types) }, { weight: 2, arbitrary: fc.constantFrom(...WRONG_TYPES) }, { weight: 1, arbitrary: hostileHeaderValue });

const framing: fc.Arbitrary<Framing> = shrinkingOneof<Framing>(
  { weight: 92, arbitrary: fc.constant('auto' as const) },
  { weight: 3, arbitrary: fc.constant('chunked' as const) },
  { weight: 2, arbitrary: fc.constant('none' as const) },
  { weight: 2, arbitrary: fc.integer({ min: -40, max: -1 }).map((lie) => ({ lie })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((lie) => ({ lie })) },
);

export function requestsFor(shape: RouteShape, fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const auth = shape.auth === 'client' ? clientAuth(fixtures) : shape.auth === 'admin' ? adminAuth(fixtures) : fc.constant([] as Header[]);
  const body: fc.Arbitrary<{ contentType?: string; body?: Buffer }> = shape.rawBody
    ? fc.oneof({ weight: 9, arbitrary: shape.rawBody }, { weight: 1, arbitrary: fc.tuple(contentType(JSON_TYPES), jsonBody(fc.constant({ purpose: 'batch' }))).map(([type, bytes]) => ({ contentType: type, body: bytes })) })
    : shape.validBody
      ? fc.tuple(contentType(JSON_TYPES), jsonBody(shape.validBody)).map(([type, bytes]) => ({ contentType: type, body: bytes }))
      : fc.oneof(
          { weight: 9, arbitrary: fc.constant({}) },
          { weight: 1, arbitrary: fc.tuple(contentType(JSON_TYPES), jsonBody(fc.jsonValue({ maxDepth: 2 }))).map(([type, bytes]) => ({ contentType: type, body: bytes })) },
        );
  return fc.record({ target: shape.target, auth, extra: extraHeaders(shape), body, framing, hurry: fc.boolean() }).map(({ target, auth: credentials, extra, body: payload, framing: chosen, hurry }) => {
    const headers: Header[] = [...credentials, ...extra];
    // A body that never arrives, with a short deadline: what is answered when it runs out (else the client gives up first).
    if (typeof chosen === 'object' && chosen.lie > 0 && hurry && !headers.some(([name]) => name === 'X-Request-Timeout-Ms')) headers.push(['X-Request-Timeout-Ms', '300']);
    if (payload.contentType !== undefined && payload.contentType !== '') headers.push(['Content-Type', payload.contentType]);
    return printable({
      route: shape.route,
      method: shape.method,
      target,
      headers,
      framing: payload.body === undefined && typeof chosen === 'object' ? 'auto' : chosen,
      readsBody: shape.validBody !== undefined || shape.rawBody !== undefined,
      ...(payload.body ? { body: payload.body } : {}),
    });
  });
}
