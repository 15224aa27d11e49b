/**
 * The request deadline: REQUEST_TIMEOUT_MS or a client's shorter wish ends a slow request with
 * 504 deadline_exceeded and aborts the signal the handler was given; a client that hangs up
 * aborts it too.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ClientClosedRequestError, DeadlineExceededError } from '../service/resilience/deadline.ts';
import { startInProcess } from './support/in-process.ts';
import { waitFor } from './support/wait-for.ts';
import { observed } from './support/test-routes.ts';

describe('request deadline', () => {
  let levee: Awaited<ReturnType<typeof startInProcess>> | undefined;
  afterEach(async () => {
    await levee?.close();
    observed.abortReasons.length = 0;
  });

  async function expect504(response: Response, timeoutMs: number) {
    assert.equal(response.status, 504);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.equal(body.error.code, 'deadline_exceeded');
    assert.equal(body.error.type, 'api_error');
    assert.equal(body.error.request_id, response.headers.get('x-request-id'));
    await waitFor(() => (observed.abortReasons.length > 0 ? true : undefined), { what: () => 'the handler signal to abort' });
    const reason = observed.abortReasons[0];
    assert.ok(reason instanceof DeadlineExceededError);
    assert.equal(reason.timeoutMs, timeoutMs);
  }

  it('ends a slow request at REQUEST_TIMEOUT_MS', async () => {
    levee = await startInProcess({ requestTimeoutMs: 200 });
    await expect504(await fetch(`${levee.url}/test/slow?ms=10000`), 200);
  });

  it('ends it at a shorter X-Request-Timeout-Ms', async () => {
    levee = await startInProcess({ requestTimeoutMs: 60_000 });
    await expect504(await fetch(`${levee.url}/test/slow?ms=10000`, { headers: { 'X-Request-Timeout-Ms': '200' } }), 200);
  });

  it('ends it at a shorter X-Stainless-Timeout (seconds, as the OpenAI SDKs send it)', async () => {
    levee = await startInProcess({ requestTimeoutMs: 60_000 });
    await expect504(await fetch(`${levee.url}/test/slow?ms=10000`, { headers: { 'X-Stainless-Timeout': '1' } }), 1000);
  });

  it('never lets a client lengthen it', async () => {
    levee = await startInProcess({ requestTimeoutMs: 200 });
    const response = await fetch(`${levee.url}/test/slow?ms=10000`, {
      headers: { 'X-Request-Timeout-Ms': '60000', 'X-Stainless-Timeout': '600' },
    });
    await expect504(response, 200);
  });

  it('lets a request that finishes in time answer normally', async () => {
    levee = await startInProcess({ requestTimeoutMs: 5_000 });
    const response = await fetch(`${levee.url}/test/slow?ms=20`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { slept_ms: 20, aborted: false });
  });

  it('aborts the handler signal when the client disconnects, and logs 499', async () => {
    levee = await startInProcess({ requestTimeoutMs: 60_000 });
    const client = new AbortController();
    const pending = fetch(`${levee.url}/test/slow?ms=10000`, { signal: client.signal, headers: { 'X-Request-Id': 'gone-early' } });
    await waitFor(() => (observed.inFlight > 0 ? true : undefined));
    client.abort();
    await assert.rejects(pending);
    await waitFor(() => (observed.abortReasons.length > 0 ? true : undefined), { what: () => 'the handler signal to abort' });
    assert.ok(observed.abortReasons[0] instanceof ClientClosedRequestError);
    const line = await waitFor(() => levee!.lines.find((entry) => entry.request_id === 'gone-early'));
    assert.equal(line.status, 499);
    assert.equal(line.aborted, true);
  });
});
