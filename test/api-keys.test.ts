/**
 * Client keys on a real Levee process: /v1 needs a known key (401 in OpenAI's shape otherwise);
 * a key removed from API_KEYS_FILE is refused after SIGHUP, without a restart; a client key opens
 * no admin route (403); the key's name, never the key, is the client in the request log line.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnProcess } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';
import { LEVEE_ENTRY, startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';

const ALPHA = 'alpha-key-0123456789';
const BETA = 'beta-key-9876543210';

interface ErrorBody {
  error: { message: string; type: string; code: string; request_id: string };
}

const models = (url: string, authorization?: string) =>
  fetch(`${url}/v1/models`, authorization === undefined ? {} : { headers: { Authorization: authorization } });

describe('client API keys', () => {
  let dir: string;
  let keyFile: string;
  let stack: LeveeWithSimulator;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'levee-api-keys-'));
    keyFile = join(dir, 'keys.txt');
    await writeFile(keyFile, `# clients\nalpha:${ALPHA}\n\nbeta:${BETA}\n`);
    stack = await startLeveeWithSimulator({ API_KEYS_FILE: keyFile });
  });
  after(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a missing or wrong key with 401 in OpenAI’s error shape', async () => {
    for (const authorization of [undefined, 'Basic YWxwaGE6eA==', 'Bearer', `Bearer ${ALPHA}x`, `Bearer ${ALPHA.slice(0, -1)}`, ALPHA]) {
      const response = await models(stack.levee.url, authorization);
      assert.equal(response.status, 401, `Authorization: ${authorization}`);
      assert.equal(response.headers.get('WWW-Authenticate'), 'Bearer');
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.type, 'authentication_error');
      assert.equal(body.error.code, 'unauthorized');
      assert.match(body.error.request_id, /^req_/);
      assert.doesNotMatch(body.error.message, /alpha-key/);
    }
    assert.equal(await scrapeMetric(stack.levee.url, 'levee_auth_failures_total', { reason: 'missing' }), 4);
    assert.equal(await scrapeMetric(stack.levee.url, 'levee_auth_failures_total', { reason: 'invalid' }), 2);
  });

  it('serves a known key and logs its name as the client, never the key', async () => {
    const response = await models(stack.levee.url, `Bearer ${ALPHA}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('RateLimit-Limit'), null, 'no limit configured, no headers');
    const requestId = response.headers.get('X-Request-Id');
    const line = await waitFor(() => stack.levee.logs().find((entry) => entry.request_id === requestId && entry.msg === 'request'));
    assert.equal(line.client, 'alpha');
    assert.equal(line.route, '/v1/models');
    // Lower-case scheme, as some clients send it.
    assert.equal((await models(stack.levee.url, `bearer ${BETA}`)).status, 200);
    assert.doesNotMatch(stack.levee.stdout.join('\n'), /alpha-key|beta-key/);
  });

  it('guards /v1 paths no route serves too: 401 without a key, then 404 or 405', async () => {
    assert.equal((await fetch(`${stack.levee.url}/v1/no-such-thing`)).status, 401);
    const unknown = await fetch(`${stack.levee.url}/v1/no-such-thing`, { headers: { Authorization: `Bearer ${ALPHA}` } });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as ErrorBody).error.code, 'not_found');
    const wrongMethod = await fetch(`${stack.levee.url}/v1/models`, { method: 'DELETE', headers: { Authorization: `Bearer ${ALPHA}` } });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('Allow'), 'HEAD, GET');
  });

  it('leaves health and metrics open', async () => {
    assert.equal((await fetch(`${stack.levee.url}/health/live`)).status, 200);
    assert.equal((await fetch(`${stack.levee.url}/metrics`)).status, 200);
  });

  it('refuses a client key on admin routes with 403', async () => {
    const reset = (authorization?: string) =>
      fetch(`${stack.levee.url}/admin/circuit-breakers/llm/default/reset`, { method: 'POST', ...(authorization ? { headers: { Authorization: authorization } } : {}) });
    const withClientKey = await reset(`Bearer ${ALPHA}`);
    assert.equal(withClientKey.status, 403);
    assert.equal(((await withClientKey.json()) as ErrorBody).error.type, 'permission_error');
    assert.equal((await reset()).status, 401);
    assert.equal((await reset('Bearer test-admin-token-0123456789')).status, 200);
  });

  it('revokes a key removed from API_KEYS_FILE on SIGHUP, without a restart', async () => {
    const reloadsBefore = stack.levee.logs().filter((entry) => entry.msg === 'api keys reloaded').length;
    await writeFile(keyFile, `alpha:${ALPHA}\n`);
    stack.levee.child.kill('SIGHUP');
    const reloaded = await waitFor(() => stack.levee.logs().filter((entry) => entry.msg === 'api keys reloaded')[reloadsBefore]);
    assert.equal(reloaded.clients, 1);

    const revoked = await models(stack.levee.url, `Bearer ${BETA}`);
    assert.equal(revoked.status, 401);
    assert.equal(((await revoked.json()) as ErrorBody).error.type, 'authentication_error');
    assert.equal((await models(stack.levee.url, `Bearer ${ALPHA}`)).status, 200);
    assert.equal(stack.levee.child.exitCode, null, 'still the same process');
  });

  it('refuses to start on an unusable key file, without printing a key', async () => {
    const shared = join(dir, 'shared.txt');
    await writeFile(shared, `alpha:${ALPHA}\nbeta:${ALPHA}\n`);
    const started = spawnProcess({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { API_KEYS_FILE: shared } });
    assert.equal((await started.exited).code, 1);
    const stderr = started.stderr.join('\n');
    assert.match(stderr, /Unusable API keys/);
    assert.match(stderr, /line 2: the key of 'beta' is also the key of 'alpha'/);
    assert.doesNotMatch(stderr, /alpha-key/);
  });
});
