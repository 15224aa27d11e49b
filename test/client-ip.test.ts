/** X-Forwarded-For counts only through the TRUST_PROXY_HOPS nearest proxies; a client's own entries never do. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startInProcess } from './support/in-process.ts';

describe('client IP', () => {
  let levee: Awaited<ReturnType<typeof startInProcess>> | undefined;
  afterEach(() => levee?.close());

  async function ipSeen(forwardedFor?: string): Promise<string> {
    const response = await fetch(`${levee!.url}/test/ip`, forwardedFor ? { headers: { 'X-Forwarded-For': forwardedFor } } : {});
    return ((await response.json()) as { ip: string }).ip;
  }

  it('ignores X-Forwarded-For with TRUST_PROXY_HOPS=0', async () => {
    levee = await startInProcess({ trustProxyHops: 0 });
    assert.match(await ipSeen('6.6.6.6'), /127\.0\.0\.1$/);
  });

  it('takes the entry the nearest proxy appended with TRUST_PROXY_HOPS=1, not the spoofed leftmost one', async () => {
    levee = await startInProcess({ trustProxyHops: 1 });
    assert.equal(await ipSeen('6.6.6.6, 203.0.113.7'), '203.0.113.7');
  });

  it('walks back through two trusted proxies with TRUST_PROXY_HOPS=2', async () => {
    levee = await startInProcess({ trustProxyHops: 2 });
    assert.equal(await ipSeen('6.6.6.6, 203.0.113.7, 10.0.0.2'), '203.0.113.7');
  });
});
