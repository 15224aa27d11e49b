/**
 * MODELS_FILE at start-up and on SIGHUP: a broken file lists every problem and exits 1; a broken
 * file on reload keeps the routing in force and logs every problem; a good one switches routing
 * without dropping a request; a rotated api_key_file is read on reload. Without MODELS_FILE,
 * LLM_BASE_URL stays the one provider `default` serving every model (the other suites).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnProcess } from './support/levee-process.ts';
import { LEVEE_ENTRY } from './support/levee-with-simulator.ts';
import { chat, startProvidersStack, type ChatAnswer, type ProvidersStack } from './support/providers.ts';
import { waitFor } from './support/wait-for.ts';

describe('MODELS_FILE', { timeout: 60_000 }, () => {
  it('refuses a broken file at start-up, listing every problem, with exit code 1', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'levee-models-'));
    const file = join(directory, 'models.yaml');
    writeFileSync(
      file,
      `providers:
  - { id: alpha, base_url: "http://127.0.0.1:9/v1", api_key_env: NOT_SET_ANYWHERE }
models:
  - name: a
    deployments: [{ provider: nowhere, model: x }]
    fallbacks: [b]
  - name: b
    deployments: [{ provider: alpha, model: y }]
    fallbacks: [a]
  - name: c
    deployments: [{ provider: alpha, model: z, weight: 0 }]
`,
    );
    const child = spawnProcess({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { MODELS_FILE: file } });
    const { code } = await child.exited;
    rmSync(directory, { recursive: true, force: true });
    const stderr = child.stderr.join('\n');
    assert.equal(code, 1);
    assert.match(stderr, /unknown provider "nowhere"/);
    assert.match(stderr, /NOT_SET_ANYWHERE/);
    assert.match(stderr, /weight/);
    assert.match(stderr, /fallback cycle/);
  });

  describe('SIGHUP', () => {
    let stack: ProvidersStack;
    let directory: string;
    let keyFile: string;
    const routeTo = (provider: string) => (urls: Record<string, string>) => `
providers:
  - { id: alpha, base_url: "${urls.alpha}", api_key_file: "${keyFile}" }
  - { id: beta, base_url: "${urls.beta}" }
models:
  - name: gpt-4o-mini
    deployments: [{ provider: ${provider}, model: gpt-4o-mini }]
`;
    before(async () => {
      directory = mkdtempSync(join(tmpdir(), 'levee-keys-'));
      keyFile = join(directory, 'alpha.key');
      // alpha accepts only the key the file will hold after the rotation below.
      writeFileSync(keyFile, 'alpha-key-one\n');
      stack = await startProvidersStack({ providers: { alpha: { apiKey: 'alpha-key-two' }, beta: {} }, yaml: routeTo('beta') });
    });
    after(async () => {
      await stack?.stop();
      rmSync(directory, { recursive: true, force: true });
    });

    it('keeps the routing in force when the new file is broken, and logs every problem', async () => {
      assert.equal((await chat(stack.levee.url, 'gpt-4o-mini')).provider, 'beta');
      stack.rewrite(() => 'providers: []\nmodels:\n  - name: x\n    deployments: [{ provider: ghost }]\n');
      stack.sighup();
      const line = await waitFor(() => stack.levee.logs().find((entry) => entry.msg === 'models file not reloaded: the routing in force stays'), { timeoutMs: 5_000 });
      assert.ok(Array.isArray(line.problems) && (line.problems as string[]).some((problem) => problem.includes('ghost')), JSON.stringify(line.problems));
      const answer = await chat(stack.levee.url, 'gpt-4o-mini');
      assert.equal(answer.status, 200);
      assert.equal(answer.provider, 'beta');
    });

    it('switches to a good file without dropping a request, with the rotated api_key_file', async () => {
      const answers: ChatAnswer[] = [];
      let stop = false;
      const traffic = (async () => {
        while (!stop) answers.push(await chat(stack.levee.url, 'gpt-4o-mini'));
      })();
      await waitFor(() => (answers.length >= 20 ? true : undefined), { timeoutMs: 5_000 });
      const reloads = () => stack.levee.logs().filter((entry) => entry.msg === 'models file reloaded').length;
      const before = reloads();
      writeFileSync(keyFile, 'alpha-key-two\n');
      stack.rewrite(routeTo('alpha'));
      stack.sighup();
      await waitFor(() => (reloads() > before ? true : undefined), { timeoutMs: 5_000 });
      const switchedAt = answers.length;
      await waitFor(() => (answers.length >= switchedAt + 20 ? true : undefined), { timeoutMs: 5_000 });
      stop = true;
      await traffic;
      assert.deepEqual(answers.filter((answer) => answer.status !== 200).map((answer) => answer.status), [], 'no request failed across the reload');
      // alpha answers 401 to any other key: its 200s prove the rotated key is in use.
      assert.ok(answers.slice(switchedAt + 1).every((answer) => answer.provider === 'alpha'), JSON.stringify(answers.slice(switchedAt).map((answer) => answer.provider)));
    });
  });
});
