/**
 * The properties every answer must have, whatever was asked: an answer at all (unless the request
 * itself never finished), no 5xx (but the client's own short deadline), no 429 (limits are far
 * above the run), every error in OpenAI's shape with `request_id` equal to the `X-Request-Id`
 * header, a 2xx that is well-formed (JSON or a whole SSE stream) and only for valid credentials,
 * WebSockets accepted correctly and closed cleanly. Each check throws what it found broken.
 */
import type { SentRequest } from './fuzz-request.ts';
import type { RawOutcome, RawResponse } from './raw-exchange.ts';
import type { FuzzFixtures } from './request-shape.ts';
import type { WebSocketOutcome } from './ws-exchange.ts';

const ERROR_KEYS = 'code,message,param,request_id,type';
const ERROR_TYPES = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'rate_limit_error', 'api_error']);
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** How Levee words the refusal of a request Node's HTTP parser could not read (service/edge/malformed-requests.ts). */
const NOT_HTTP = 'The request is not valid HTTP/1.1';
/** A client deadline this short may run out before Levee answers: then 504 is the promised answer. */
const SHORT_CLIENT_DEADLINE_MS = 10_000;

class PropertyViolation extends Error {
  override name = 'PropertyViolation';
}

function fail(what: string, response?: RawResponse): never {
  const detail = response ? ` — got ${response.status} ${JSON.stringify(response.headers)} ${response.body.toString('utf8').slice(0, 600)}` : '';
  throw new PropertyViolation(`${what}${detail}`);
}

export function checkHttp(sent: SentRequest, outcome: RawOutcome, fixtures: FuzzFixtures): void {
  if (outcome.kind === 'no-response') {
    if (bodyNeverEnds(sent)) return;
    fail(`no answer (${outcome.reason}) to a request that was sent whole`);
  }
  const { response } = outcome;
  checkStatusAndId(sent, response);
  if (response.status >= 400) checkErrorShape(sent, response);
  else if (response.status >= 200 && response.status < 300) checkSuccess(sent, response, fixtures);
  else fail(`unexpected status ${response.status}`, response);
}

export function checkWebSocket(sent: SentRequest, outcome: WebSocketOutcome, fixtures: FuzzFixtures): void {
  if (outcome.kind === 'no-response') fail(`no answer to a WebSocket handshake (${outcome.reason})`);
  if (outcome.kind === 'refused') {
    checkStatusAndId(sent, outcome.response);
    if (outcome.response.status < 400) fail('a handshake answered neither 101 nor an error', outcome.response);
    checkErrorShape(sent, outcome.response);
    return;
  }
  if (!hasCredentials(sent, fixtures)) fail('a WebSocket accepted without valid credentials');
  if (outcome.accept !== outcome.expectedAccept) fail(`Sec-WebSocket-Accept ${outcome.accept} is not ${outcome.expectedAccept}`);
  for (const message of outcome.messages) {
    const parsed = parseJson(message);
    if (typeof (parsed as { type?: unknown } | undefined)?.type !== 'string') fail(`a server message without a type: ${message.slice(0, 300)}`);
  }
  const plan = sent.request.upgrade!;
  // Closed cleanly: after the client's close frame (or its protocol error), a close frame back, then the socket.
  if (plan.ending.kind === 'close' && !outcome.closedByServer) fail(`the server did not close after the client's close frame (messages: ${outcome.messages.length})`);
  if (plan.ending.kind === 'close' && outcome.closeCodes.length === 0) fail('the server closed the socket without a close frame');
}

/** Declared framing the bytes never satisfy: a Content-Length past the body, or a chunked claim on plain bytes. */
export function bodyNeverEnds(sent: SentRequest): boolean {
  const declared = sent.raw.headers.filter(([name]) => /^content-length$/i.test(name)).map(([, value]) => Number(value));
  if (typeof sent.raw.framing === 'number') declared.push(sent.raw.framing);
  if (declared.some((length) => length > (sent.raw.body?.length ?? 0))) return true;
  return sent.raw.headers.some(([name]) => /^transfer-encoding$/i.test(name));
}

function checkStatusAndId(sent: SentRequest, response: RawResponse): void {
  const ids = response.headers['x-request-id'] ?? [];
  if (ids.length !== 1) fail(`${ids.length} X-Request-Id headers`, response);
  const asked = sent.raw.headers.filter(([name]) => name.toLowerCase() === 'x-request-id').map(([, value]) => value.trim());
  // A request the HTTP parser refused has no headers anyone can trust, its X-Request-Id included.
  const parsed = !response.body.toString('utf8').includes(NOT_HTTP);
  if (parsed && asked.length === 1 && SANE_REQUEST_ID.test(asked[0]!) && ids[0] !== asked[0]) fail(`X-Request-Id ${asked[0]} not echoed`, response);
  if (response.status === 429) fail('429 although the inbound limits are far above the run', response);
  // The client's own short deadline may run out while Levee works: 504 is the promised answer. Not
  // while a route is still reading the client's body: that delay is the client's (408).
  const stalledBody = sent.request.readsBody && bodyNeverEnds(sent);
  // A HEAD answer has no body to carry the code: its status and the short deadline must do.
  const deadlineCode = sent.raw.method === 'HEAD' || errorCode(response) === 'deadline_exceeded';
  const ownDeadline = response.status === 504 && deadlineCode && askedShortDeadline(sent) && !stalledBody;
  if (response.status >= 500 && !ownDeadline) fail('a 5xx', response);
}

function askedShortDeadline(sent: SentRequest): boolean {
  const ms = sent.header('x-request-timeout-ms')?.trim();
  if (ms !== undefined && /^\d{1,10}$/.test(ms) && Number(ms) > 0 && Number(ms) <= SHORT_CLIENT_DEADLINE_MS) return true;
  const seconds = Number(sent.header('x-stainless-timeout')?.trim());
  return seconds > 0 && seconds * 1000 <= SHORT_CLIENT_DEADLINE_MS;
}

function errorCode(response: RawResponse): unknown {
  return (parseJson(response.body.toString('utf8')) as { error?: { code?: unknown } } | undefined)?.error?.code;
}

function checkErrorShape(sent: SentRequest, response: RawResponse): void {
  if (sent.raw.method === 'HEAD') return;
  if (!/^application\/json/.test(response.headers['content-type']?.[0] ?? '')) fail('an error that is not JSON', response);
  if (!response.complete) fail('an error body cut short', response);
  const body = parseJson(response.body.toString('utf8')) as { error?: Record<string, unknown> } | undefined;
  const error = body?.error;
  if (!body || Object.keys(body).join() !== 'error' || !error || typeof error !== 'object') fail('an error not in OpenAI shape', response);
  if (Object.keys(error).sort().join() !== ERROR_KEYS) fail(`error keys ${Object.keys(error).sort().join()}`, response);
  if (typeof error.message !== 'string' || error.message.length === 0) fail('an error without a message', response);
  if (typeof error.type !== 'string' || !ERROR_TYPES.has(error.type)) fail(`error type ${String(error.type)}`, response);
  if (error.code !== null && typeof error.code !== 'string') fail('a non-string error code', response);
  if (error.param !== null && typeof error.param !== 'string') fail('a non-string error param', response);
  if (error.request_id !== response.headers['x-request-id']?.[0]) fail('request_id differs from the X-Request-Id header', response);
  if (response.status === 405 && !response.headers.allow) fail('405 without Allow', response);
}

function checkSuccess(sent: SentRequest, response: RawResponse, fixtures: FuzzFixtures): void {
  // OPTIONS is answered by the router with the allowed methods and no body: nothing to protect.
  const bareOptions = sent.raw.method === 'OPTIONS' && response.body.length === 0 && response.headers.allow !== undefined;
  if (!bareOptions && !hasCredentials(sent, fixtures)) fail('a 2xx without valid credentials', response);
  if (sent.raw.method === 'HEAD') return;
  if (!response.complete) fail('a 2xx body cut short', response);
  const type = response.headers['content-type']?.[0] ?? '';
  if (type.startsWith('text/event-stream')) return checkEventStream(response);
  if (type.startsWith('application/json') && parseJson(response.body.toString('utf8')) === undefined) fail('a 2xx that is not JSON', response);
}

/** Well-formed SSE: `data:` events, each JSON, ending with [DONE] or with an error event in OpenAI's shape. */
function checkEventStream(response: RawResponse): void {
  const events = response.body.toString('utf8').split('\n\n').filter((event) => event.length > 0);
  if (events.length === 0) fail('an empty event stream', response);
  for (const [index, event] of events.entries()) {
    if (!event.startsWith('data: ')) fail(`an event that is not data: ${event.slice(0, 200)}`, response);
    const data = event.slice('data: '.length);
    const last = index === events.length - 1;
    if (last && data === '[DONE]') return;
    const parsed = parseJson(data) as { error?: { request_id?: unknown } } | undefined;
    if (parsed === undefined) fail(`an event that is not JSON: ${data.slice(0, 200)}`, response);
    if (parsed.error !== undefined) {
      if (!last) fail('events after an error event', response);
      if (parsed.error.request_id !== response.headers['x-request-id']?.[0]) fail('an error event whose request_id differs from the header', response);
      return;
    }
  }
  fail('a stream that ends without [DONE] or an error event', response);
}

/** Whether the request carried the credentials its path needs (Node keeps the first Authorization). */
function hasCredentials(sent: SentRequest, fixtures: FuzzFixtures): boolean {
  const path = new URL(sent.raw.target, 'http://levee').pathname;
  const authorization = sent.header('authorization')?.trim();
  if (path.startsWith('/admin/')) return authorization !== undefined && /^Bearer (.+)$/i.exec(authorization)?.[1] === fixtures.adminToken;
  if (!path.startsWith('/v1/')) return true;
  const keys = [fixtures.keys.a, fixtures.keys.b];
  if (authorization) return keys.includes(/^Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? '');
  const offered = (sent.header('sec-websocket-protocol') ?? '').split(',').map((protocol) => protocol.trim());
  return path === '/v1/events' && keys.some((key) => offered.find((protocol) => protocol.startsWith('levee.key.')) === `levee.key.${Buffer.from(key).toString('base64url')}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
