/**
 * Every way a request can be wrong gets its exact status, OpenAI's error shape and the request id
 * of its response header; never a 500, never a crash.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startInProcess } from './support/in-process.ts';

const BODY_LIMIT_BYTES = 4096;

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  status: number;
  code: string;
  type?: string;
  param?: string | null;
  header?: [string, string];
}

const json = { 'Content-Type': 'application/json' };

const cases: Case[] = [
  { name: 'malformed JSON', method: 'POST', path: '/test/echo', headers: json, body: '{"name":', status: 400, code: 'invalid_json' },
  { name: 'empty body', method: 'POST', path: '/test/echo', headers: json, body: '', status: 400, code: 'invalid_json' },
  { name: 'text/plain body', method: 'POST', path: '/test/echo', headers: { 'Content-Type': 'text/plain' }, body: '{"name":"a"}', status: 415, code: 'unsupported_media_type' },
  { name: 'form body', method: 'POST', path: '/test/echo', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=a', status: 415, code: 'unsupported_media_type' },
  { name: 'non-UTF-8 charset', method: 'POST', path: '/test/echo', headers: { 'Content-Type': 'application/json; charset=latin1' }, body: '{"name":"a"}', status: 415, code: 'unsupported_media_type' },
  { name: 'gzip-encoded body', method: 'POST', path: '/test/echo', headers: { ...json, 'Content-Encoding': 'gzip' }, body: '{"name":"a"}', status: 415, code: 'unsupported_media_type' },
  { name: 'body over the limit (Content-Length)', method: 'POST', path: '/test/echo', headers: json, body: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES) }), status: 413, code: 'payload_too_large' },
  { name: 'body over the limit (chunked)', method: 'POST', path: '/test/echo', headers: json, body: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES * 3) }), chunked: true, status: 413, code: 'payload_too_large' },
  { name: 'prototype pollution key', method: 'POST', path: '/test/echo', headers: json, body: '{"name":"a","__proto__":{"admin":true}}', status: 400, code: 'invalid_json' },
  { name: 'deeply nested JSON', method: 'POST', path: '/test/echo', headers: json, body: `{"name":"a","x":${'['.repeat(1500)}${']'.repeat(1500)}}`, status: 400, code: 'invalid_request', param: null },
  { name: 'nesting at the depth limit is fine', method: 'POST', path: '/test/echo', headers: json, body: `{"name":5,"x":${'['.repeat(63)}${']'.repeat(63)}}`, status: 400, code: 'invalid_request', param: 'name' },
  { name: 'JSON that is not an object', method: 'POST', path: '/test/echo', headers: json, body: '"hello"', status: 400, code: 'invalid_request', param: null },
  { name: 'wrong type on a field', method: 'POST', path: '/test/echo', headers: json, body: '{"name":5}', status: 400, code: 'invalid_request', param: 'name' },
  { name: 'missing required field', method: 'POST', path: '/test/echo', headers: json, body: '{}', status: 400, code: 'invalid_request', param: 'name' },
  { name: 'wrong type on a nested field', method: 'POST', path: '/test/echo', headers: json, body: '{"name":"a","items":[{"n":1},{"n":"two"}]}', status: 400, code: 'invalid_request', param: 'items[1].n' },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing-here', status: 404, code: 'not_found' },
  { name: 'unknown route with a body', method: 'POST', path: '/v1/nothing-here', headers: { 'Content-Type': 'text/plain' }, body: 'x', status: 404, code: 'not_found' },
  { name: 'wrong method', method: 'DELETE', path: '/health/live', status: 405, code: 'method_not_allowed', header: ['allow', 'HEAD, GET'] },
  { name: 'wrong method on a JSON route', method: 'PUT', path: '/test/echo', headers: json, body: '{', status: 405, code: 'method_not_allowed', header: ['allow', 'POST'] },
  { name: 'malformed X-Request-Timeout-Ms', method: 'GET', path: '/health/live', headers: { 'X-Request-Timeout-Ms': 'soon' }, status: 400, code: 'invalid_request', param: 'X-Request-Timeout-Ms' },
  { name: 'zero X-Request-Timeout-Ms', method: 'GET', path: '/health/live', headers: { 'X-Request-Timeout-Ms': '0' }, status: 400, code: 'invalid_request', param: 'X-Request-Timeout-Ms' },
  { name: 'internal failure', method: 'GET', path: '/test/boom', status: 500, code: 'internal_error', type: 'api_error' },
];

/**
 * Requests Node's HTTP parser refuses, or that lie about their framing, written byte for byte
 * (node:http would refuse to send them). Found by the generated requests of test/fuzz/.
 */
const json1 = 'Content-Type: application/json\r\n';
type RawCase = Pick<Case, 'name' | 'status' | 'code'> & Partial<Pick<Case, 'type' | 'param' | 'header'>> & { raw: string };
const rawCases: RawCase[] = [
  { name: 'a control character in a header value', raw: `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Odd: a\u0001b\r\n\r\n`, status: 400, code: 'invalid_request' },
  { name: 'a head over 16 KiB', raw: `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(17_000)}\r\n\r\n`, status: 431, code: 'request_header_fields_too_large' },
  { name: 'two different Content-Lengths', raw: `POST /test/echo HTTP/1.1\r\nHost: x\r\n${json1}Content-Length: 12\r\nContent-Length: 5\r\n\r\n{"name":"a"}`, status: 400, code: 'invalid_request' },
  { name: 'Transfer-Encoding beside Content-Length', raw: `POST /test/echo HTTP/1.1\r\nHost: x\r\n${json1}Content-Length: 12\r\nTransfer-Encoding: chunked\r\n\r\n{"name":"a"}`, status: 400, code: 'invalid_request' },
  // Was 504 deadline_exceeded, as if Levee were slow.
  { name: 'a Content-Length the body never fills, under a short deadline', raw: `POST /test/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${json1}X-Request-Timeout-Ms: 200\r\nContent-Length: 100\r\n\r\n{"name":"a"}`, status: 408, code: 'request_timeout' },
  // The request has no body (no length); what follows it is garbage, not a reason to drop its answer.
  { name: 'bytes after a Connection: close request get it no parser error', raw: `POST /test/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${json1}\r\n{"name":"a"}`, status: 400, code: 'invalid_json' },
];

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Bytes as written, the socket left open (a half-close would end the body); the answer read until the server closes (or 5 s). */
function sendRaw(base: string, raw: string): Promise<RawResponse> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(raw);
  });
}

/** node:http directly, so chunked uploads and odd headers go out exactly as written. */
function send(base: string, testCase: Pick<Case, 'method' | 'path' | 'headers' | 'body' | 'chunked'>): Promise<RawResponse> {
  const url = new URL(testCase.path, base);
  const headers: Record<string, string | number> = { ...testCase.headers };
  if (testCase.body !== undefined && !testCase.chunked) headers['Content-Length'] = Buffer.byteLength(testCase.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: testCase.method, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    if (testCase.body !== undefined && testCase.chunked) {
      // Several chunks, so the limit is crossed while streaming rather than announced up front.
      const text = Buffer.from(testCase.body);
      for (let offset = 0; offset < text.length; offset += 1024) outgoing.write(text.subarray(offset, offset + 1024));
      outgoing.end();
    } else {
      outgoing.end(testCase.body);
    }
  });
}

describe('bad input', () => {
  let levee: Awaited<ReturnType<typeof startInProcess>>;
  before(async () => {
    levee = await startInProcess({ bodyLimitBytes: BODY_LIMIT_BYTES });
  });
  after(() => levee.close());

  for (const testCase of [...cases, ...rawCases]) {
    it(`${testCase.name} → ${testCase.status} ${testCase.code}`, async () => {
      const response = 'raw' in testCase ? await sendRaw(levee.url, testCase.raw) : await send(levee.url, testCase);
      assert.equal(response.status, testCase.status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const body = JSON.parse(response.body) as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'request_id', 'type']);
      assert.equal(body.error.code, testCase.code);
      assert.equal(body.error.type, testCase.type ?? 'invalid_request_error');
      assert.equal(typeof body.error.message, 'string');
      assert.ok((body.error.message as string).length > 0);
      if (testCase.param !== undefined) assert.equal(body.error.param, testCase.param);
      assert.equal(body.error.request_id, response.headers['x-request-id']);
      if (testCase.header) assert.equal(response.headers[testCase.header[0]], testCase.header[1]);
    });
  }

  it('keeps 5xx details out of the body and puts them in the log line', async () => {
    const response = await send(levee.url, { method: 'GET', path: '/test/boom' });
    const body = JSON.parse(response.body) as { error: { message: string; request_id: string } };
    assert.doesNotMatch(response.body, /password|internal-host/);
    const line = levee.lines.find((entry) => entry.request_id === body.error.request_id);
    assert.equal(line?.status, 500);
    assert.match(JSON.stringify(line?.err), /password mismatch/);
  });

  it('honours a sane X-Request-Id and replaces anything else', async () => {
    const sane = await send(levee.url, { method: 'GET', path: '/nope', headers: { 'X-Request-Id': 'client-abc_123:9' } });
    assert.equal(sane.headers['x-request-id'], 'client-abc_123:9');
    assert.equal((JSON.parse(sane.body) as { error: { request_id: string } }).error.request_id, 'client-abc_123:9');
    for (const insane of ['a'.repeat(129), 'has space', 'quote"d', '<script>']) {
      const response = await send(levee.url, { method: 'GET', path: '/nope', headers: { 'X-Request-Id': insane } });
      assert.match(String(response.headers['x-request-id']), /^req_[0-9a-f]{32}$/);
    }
  });

  it('ignores an Expect it does not know, rather than answering 417', async () => {
    const response = await send(levee.url, { method: 'POST', path: '/test/echo', headers: { ...json, Expect: 'the-unexpected' }, body: '{"name":"a"}' });
    assert.equal(response.status, 200);
  });

  it('accepts a valid body after all that', async () => {
    const response = await send(levee.url, { method: 'POST', path: '/test/echo', headers: json, body: '{"name":"a","items":[{"n":1}]}' });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { name: 'a', items: [{ n: 1 }] });
  });
});
