/**
 * The simulator as its own process (`npm run simulator`, simulator/main.ts): configured from the
 * environment, one JSON line when listening, exit 0 on SIGTERM, exit 1 listing bad settings.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from './support/wait-for.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('npm run simulator (simulator/main.ts)', () => {
  it('listens where the environment says, prints one JSON line, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['simulator/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SIM_PORT: '0', SIM_SEED: '7', SIM_API_KEY: 'sk-main-key' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = once(child, 'exit');
    await waitFor(() => stdout.includes('\n'), { timeoutMs: 5_000, what: 'the listening line' });
    const line = JSON.parse(stdout.split('\n')[0] ?? '') as { msg: string; url: string };
    assert.equal(line.msg, 'simulator listening');
    assert.match(line.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.ok(!stdout.includes('sk-main-key'));
    const models = await fetch(`${line.url}/models`, { headers: { authorization: 'Bearer sk-main-key' } });
    assert.equal(models.status, 200);
    await models.arrayBuffer();
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('serves only SIM_MODELS and applies SIM_RATE_LIMIT_REQUESTS per SIM_RATE_LIMIT_WINDOW_MS', async () => {
    const child = spawn(process.execPath, ['simulator/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SIM_PORT: '0', SIM_MODELS: 'model-a, embed-b', SIM_RATE_LIMIT_REQUESTS: '5', SIM_RATE_LIMIT_WINDOW_MS: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = once(child, 'exit');
    await waitFor(() => stdout.includes('\n'), { timeoutMs: 5_000, what: 'the listening line' });
    const line = JSON.parse(stdout.split('\n')[0] ?? '') as { url: string; models: string[]; rate_limit: unknown };
    assert.deepEqual(line.models, ['model-a', 'embed-b']);
    assert.deepEqual(line.rate_limit, { requests: 5, window_ms: 60_000 });
    const models = (await (await fetch(`${line.url}/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((model) => model.id), ['model-a', 'embed-b']);
    const post = (model: string) =>
      fetch(`${line.url}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: 'x' }) });
    const refused = await post('text-embedding-3-small');
    assert.equal(refused.status, 404);
    await refused.arrayBuffer();
    const served = await post('embed-b');
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('x-ratelimit-limit-requests'), '5');
    assert.equal(served.headers.get('x-ratelimit-remaining-requests'), '4');
    await served.arrayBuffer();
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('refuses bad settings with every problem listed and exit code 1', async () => {
    const child = spawn(process.execPath, ['simulator/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SIM_PORT: '99999', SIM_EMBEDDING_DIMENSION: 'wide', SIM_MODELS: 'a,,b', SIM_RATE_LIMIT_WINDOW_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /SIM_PORT/);
    assert.match(stderr, /SIM_EMBEDDING_DIMENSION/);
    assert.match(stderr, /SIM_MODELS/);
    assert.match(stderr, /SIM_RATE_LIMIT_WINDOW_MS: needs SIM_RATE_LIMIT_REQUESTS/);
  });
});
