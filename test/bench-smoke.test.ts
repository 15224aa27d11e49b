/**
 * Smoke tests of the benchmark harness (`npm run bench`): the policy microbenchmark returns its
 * shape, and the baseline proxy passes chat and streamed chat through byte for byte. No timings
 * are asserted: the figures are measured by `npm run bench`, not judged by tests.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { measurePolicyPipeline } from '../bench/policy-pipeline.ts';
import { startSimulator, type SimulatorHandle } from '../simulator/server.ts';
import { REPO_ROOT } from './support/levee-process.ts';
import { waitFor } from './support/wait-for.ts';

describe('bench: policy pipeline microbenchmark', () => {
  it('returns µs per call for the bare call, the pipeline with and without telemetry, and the difference', async () => {
    const result = await measurePolicyPipeline({ calls: 200, rounds: 2, warmupCalls: 50 });
    assert.deepEqual(Object.keys(result).sort(), ['bareAsyncUs', 'calls', 'instrumentedUs', 'overheadUs', 'pipelineUs']);
    assert.equal(result.calls, 200);
    for (const value of [result.bareAsyncUs, result.pipelineUs, result.instrumentedUs]) assert.ok(Number.isFinite(value) && value > 0);
    assert.ok(Math.abs(result.overheadUs - (result.pipelineUs - result.bareAsyncUs)) < 0.01);
  });
});

/**
 * A tap between the proxy and the simulator that keeps the bytes of every upstream response, so
 * the proxy's answer can be compared with exactly what the simulator sent for that request.
 */
async function startTap(upstream: SimulatorHandle): Promise<{ server: Server; origin: string; responses: Buffer[] }> {
  const responses: Buffer[] = [];
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest(`${upstream.origin}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        outgoing.write(chunk);
      });
      answer.on('end', () => {
        responses.push(Buffer.concat(chunks));
        outgoing.end();
      });
    });
    incoming.pipe(forward);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, responses };
}

describe('bench: baseline proxy', () => {
  let simulator: SimulatorHandle;
  let tap: Awaited<ReturnType<typeof startTap>>;
  let proxy: ReturnType<typeof spawn>;
  let proxyOrigin: string;

  before(async () => {
    simulator = await startSimulator();
    tap = await startTap(simulator);
    proxy = spawn(process.execPath, ['bench/baseline-proxy.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', UPSTREAM_URL: `${tap.origin}/v1` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    proxy.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const port = await waitFor(
      () => (output.includes('\n') ? (JSON.parse(output.split('\n')[0]!) as { port: number }).port : undefined),
      { what: () => 'the baseline proxy to listen', failFast: once(proxy, 'exit') },
    );
    proxyOrigin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    proxy.kill('SIGTERM');
    await once(proxy, 'exit');
    tap.server.closeAllConnections();
    tap.server.close();
    await simulator.close();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${proxyOrigin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const messages = [{ role: 'user', content: 'hello' }];

  it('passes a chat completion through byte for byte', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages });
    assert.equal(answer.status, 200);
    assert.match(String(answer.type), /^application\/json/);
    assert.deepEqual(answer.bytes, tap.responses.at(-1));
    assert.equal((JSON.parse(answer.bytes.toString('utf8')) as { object: string }).object, 'chat.completion');
  });

  it('passes a streamed chat completion through byte for byte', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages, stream: true });
    assert.equal(answer.status, 200);
    assert.match(String(answer.type), /^text\/event-stream/);
    assert.deepEqual(answer.bytes, tap.responses.at(-1));
    assert.ok(answer.bytes.toString('utf8').endsWith('data: [DONE]\n\n'));
  });

  it('passes embeddings and upstream errors through with their status', async () => {
    const embedded = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] });
    assert.equal(embedded.status, 200);
    assert.deepEqual(embedded.bytes, tap.responses.at(-1));
    const refused = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.bytes, tap.responses.at(-1));
  });
});
