/** Credentials a client or the operator hands Levee never reach a log line, at any level. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnLevee } from './support/levee-process.ts';

describe('log redaction', () => {
  it('leaves no sk-secret in any line, even at trace level', async () => {
    const levee = await spawnLevee({
      env: {
        LOG_LEVEL: 'trace',
        LLM_API_KEY: 'sk-secret-provider',
        ADMIN_TOKEN: 'sk-secret-admin-token',
        API_KEYS: 'alice:sk-secret-alice',
        REDIS_URL: 'redis://:sk-secret-redis@127.0.0.1:1',
      },
    });
    const credentials = {
      Authorization: 'Bearer sk-secret',
      'X-Api-Key': 'sk-secret',
      Cookie: 'session=sk-secret',
      'Proxy-Authorization': 'Basic sk-secret',
    };
    const requests: Array<[string, RequestInit]> = [
      ['/health/live', { headers: credentials }],
      ['/v1/unknown', { headers: credentials }],
      ['/test/echo', { method: 'POST', headers: { ...credentials, 'Content-Type': 'application/json' }, body: '{"name":"sk-secret"}' }],
      ['/test/echo', { method: 'POST', headers: { ...credentials, 'Content-Type': 'application/json' }, body: '{"name": sk-secret' }],
      ['/test/boom', { headers: credentials }],
    ];
    const requestIds: string[] = [];
    for (const [path, init] of requests) {
      const response = await fetch(`${levee.url}${path}`, init);
      requestIds.push(String(response.headers.get('x-request-id')));
      await response.arrayBuffer();
    }
    await levee.stop();

    const output = [...levee.stdout, ...levee.stderr].join('\n');
    assert.doesNotMatch(output, /sk-secret/);
    // The test means something only if those requests were logged, headers and all.
    const lines = levee.logs().filter((line) => requestIds.includes(String(line.request_id)));
    assert.equal(lines.length, requests.length);
    for (const line of lines) {
      const headers = (line.req as { headers: Record<string, string> }).headers;
      assert.equal(headers.authorization, '[redacted]');
      assert.equal(headers['x-api-key'], '[redacted]');
    }
  });
});
