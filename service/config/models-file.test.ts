import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { loadModelsFile, ModelsFileError, readApiKeyFile } from './models-file.ts';
import { DEFAULT_HEDGE_FLOOR_MS, DEFAULT_ROUTING } from './models.ts';

const EXAMPLE = new URL('../../models.example.yaml', import.meta.url).pathname;
const config = loadConfig({});
const base = { policies: config.llm.policies, quota: config.llm.quota };

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'levee-models-file-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

let files = 0;
async function fileWith(text: string): Promise<string> {
  const path = join(directory, `models-${++files}.yaml`);
  await writeFile(path, text);
  return path;
}

async function problemsOf(path: string, env: Record<string, string> = {}): Promise<string[]> {
  try {
    await loadModelsFile(path, env, base);
  } catch (error) {
    assert.ok(error instanceof ModelsFileError, String(error));
    assert.match(error.message, new RegExp(`^MODELS_FILE ${path} has ${error.problems.length} problem\\(s\\):\\n  - `));
    return error.problems;
  }
  assert.fail('expected a ModelsFileError');
}

const minimal = `
providers:
  - { id: local, base_url: "http://localhost:8000/v1" }
models:
  - name: llama
    deployments: [{ provider: local }]
`;

describe('loadModelsFile', () => {
  it('reads the complete example', async () => {
    const models = await loadModelsFile(EXAMPLE, { OPENAI_API_KEY: 'sk-openai-example', BACKUP_API_KEY: 'sk-backup-example' }, base);
    assert.equal(models.source, 'file');
    assert.equal(models.catchAllProvider, undefined);
    assert.deepEqual(
      models.providers.map((provider) => [provider.id, provider.baseUrl, provider.apiKeySource]),
      [
        ['openai', 'https://api.openai.com/v1', { env: 'OPENAI_API_KEY' }],
        ['backup', 'https://llm-backup.internal.example/v1', { env: 'BACKUP_API_KEY' }],
      ],
    );
    assert.equal(models.providers[0]?.apiKey?.reveal(), 'sk-openai-example');
    assert.deepEqual(models.providers[0]?.headers, { 'OpenAI-Organization': 'org-example' });
    const [mini, gpt4o, embeddings] = models.models;
    assert.deepEqual(mini, {
      name: 'gpt-4o-mini',
      kind: 'chat',
      deployments: [
        { provider: 'openai', model: 'gpt-4o-mini', weight: 9 },
        { provider: 'backup', model: 'gpt-4o-mini-2024-07-18', weight: 1 },
      ],
      fallbacks: ['gpt-4o'],
      hedge: { enabled: false, floorMs: 50 },
    });
    assert.deepEqual(gpt4o?.deployments, [{ provider: 'openai', model: 'gpt-4o', weight: 1 }]);
    assert.equal(embeddings?.kind, 'embeddings');
    assert.deepEqual(embeddings?.hedge, { enabled: true, floorMs: 100 });
    assert.deepEqual(models.routing, DEFAULT_ROUTING);
  });

  it('merges a provider’s policy overrides onto the LLM_* values', async () => {
    const models = await loadModelsFile(EXAMPLE, { OPENAI_API_KEY: 'k1', BACKUP_API_KEY: 'k2' }, base);
    const [openai, backup] = models.providers;
    assert.ok(openai && backup);
    assert.deepEqual(openai.policies.timeout, { ...base.policies.timeout, floorMs: 1_000, ceilingMs: 90_000 });
    assert.deepEqual(openai.policies.bulkhead, { maxConcurrent: 128, maxQueued: 256, queueTimeoutMs: 2_000, backgroundShare: base.policies.bulkhead.backgroundShare });
    assert.deepEqual(openai.policies.breaker, { ...base.policies.breaker, halfOpenAfterMs: 30_000 });
    assert.deepEqual(openai.policies.retry, base.policies.retry);
    assert.deepEqual(openai.quota, { requestsPerMinute: 5_000, tokensPerMinute: 2_000_000, concurrent: 0 });
    // Only the quota is overridden: everything else is the base.
    assert.deepEqual(backup.policies, base.policies);
    assert.deepEqual(backup.quota, { ...base.quota, requestsPerMinute: 600 });
  });

  it('applies the defaults', async () => {
    const models = await loadModelsFile(
      await fileWith(`${minimal}
  - name: embed
    kind: embeddings
    deployments: [{ provider: local, model: nomic-embed }]
`),
      {},
      base,
    );
    const [provider] = models.providers;
    assert.deepEqual(provider, {
      id: 'local',
      baseUrl: 'http://localhost:8000/v1',
      apiKey: undefined,
      apiKeySource: undefined,
      headers: {},
      policies: base.policies,
      quota: base.quota,
    });
    assert.deepEqual(models.models, [
      { name: 'llama', kind: 'chat', deployments: [{ provider: 'local', model: 'llama', weight: 1 }], fallbacks: [], hedge: { enabled: false, floorMs: DEFAULT_HEDGE_FLOOR_MS } },
      { name: 'embed', kind: 'embeddings', deployments: [{ provider: 'local', model: 'nomic-embed', weight: 1 }], fallbacks: [], hedge: { enabled: true, floorMs: DEFAULT_HEDGE_FLOOR_MS } },
    ]);
    assert.deepEqual(models.routing, DEFAULT_ROUTING);
  });

  it('reads a key file relative to the models file, and never shows the key', async () => {
    await writeFile(join(directory, 'local.key'), '  sk-from-file\n');
    const models = await loadModelsFile(await fileWith(minimal.replace('base_url:', 'api_key_file: local.key, base_url:')), {}, base);
    const [provider] = models.providers;
    assert.equal(provider?.apiKey?.reveal(), 'sk-from-file');
    assert.deepEqual(provider?.apiKeySource, { file: join(directory, 'local.key') });
    assert.doesNotMatch(inspect(models, { depth: 10 }) + JSON.stringify(models), /sk-from-file/);
  });

  it('lists every problem at once', async () => {
    const path = await fileWith(`
providers:
  - id: openai
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
    colour: blue
  - id: openai
    base_url: ftp://example.com
    api_key_env: SECOND_KEY
    headers: { Authorization: Bearer nope }
  - id: both
    base_url: https://both.example/v1
    api_key_env: BOTH_KEY
    api_key_file: /nonexistent/key
  - id: local
    base_url: http://localhost:8000/v1
    api_key_file: missing.key
    policies:
      timeout: { floor_ms: 5000, ceiling_ms: 1000 }
models:
  - name: a
    deployments: [{ provider: nowhere }]
    fallbacks: [b, a, ghost, embed, w]
  - name: b
    deployments: [{ provider: openai }, { provider: openai, model: b }]
    fallbacks: [c]
  - name: c
    deployments: [{ provider: openai }]
    fallbacks: [b]
  - name: embed
    kind: embeddings
    deployments: [{ provider: openai }]
    fallbacks: [c]
  - name: c
    deployments: [{ provider: openai, wieght: 2 }]
  - name: w
    deployments: [{ provider: openai, weight: 0 }]
routing:
  hedge_budget_ratio: 2
`);
    const problems = await problemsOf(path, { OPENAI_API_KEY: '' });
    const expected = [
      'providers[0].colour: unknown key',
      'providers[1].base_url: must be an http(s) URL',
      'providers[1].headers.Authorization: is set by Levee itself',
      'providers[2]: set api_key_env or api_key_file, not both',
      'providers[3].policies.timeout: floor_ms must not exceed ceiling_ms (unset ones are LLM_TIMEOUT_*)',
      'models[5].deployments[0].weight: must be greater than 0',
      'models[4].deployments[0].wieght: unknown key',
      'routing.hedge_budget_ratio: must be at most 1',
      'providers[1].id: duplicate provider id "openai" (also providers[0].id)',
      'models[4].name: duplicate model name "c" (also models[2].name)',
      'models[0].deployments[0].provider: unknown provider "nowhere"',
      'models[1].deployments[1]: duplicate deployment "openai/b" (also deployments[0])',
      'models[0].fallbacks[1]: "a" is the model itself',
      'models[0].fallbacks[2]: unknown model "ghost"',
      'models[0].fallbacks[3]: "embed" is an embeddings model; a chat model falls back to chat models only',
      "models[3].fallbacks: an embeddings model cannot have fallbacks (another model's vectors live in another space)",
      'models[1].fallbacks: fallback cycle: b -> c -> b',
      'providers[0].api_key_env: OPENAI_API_KEY is unset or empty',
      'providers[1].api_key_env: SECOND_KEY is unset or empty',
      `providers[3].api_key_file: cannot read ${join(directory, 'missing.key')} (ENOENT)`,
    ];
    for (const problem of expected) assert.ok(problems.includes(problem), `missing "${problem}" in:\n${problems.join('\n')}`);
    // w is invalid on its own (its weight), but a fallback to it is not also reported as unknown.
    assert.ok(!problems.some((problem) => problem.includes('"w"')), problems.join('\n'));
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  it('reports an unknown provider, a longer cycle and a missing key file', async () => {
    const problems = await problemsOf(
      await fileWith(`
providers:
  - { id: p, base_url: "https://p.example/v1", api_key_file: absent.key }
models:
  - { name: x, deployments: [{ provider: q }], fallbacks: [y] }
  - { name: y, deployments: [{ provider: p }], fallbacks: [z] }
  - { name: z, deployments: [{ provider: p }], fallbacks: [x] }
`),
    );
    assert.deepEqual(problems, [
      'models[0].deployments[0].provider: unknown provider "q"',
      'models[0].fallbacks: fallback cycle: x -> y -> z -> x',
      `providers[0].api_key_file: cannot read ${join(directory, 'absent.key')} (ENOENT)`,
    ]);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf(await fileWith('providers:\n  - id: a\n    id: b\nmodels: [\n'));
    assert.ok(problems.length > 0);
    assert.ok(problems.some((problem) => /Map keys must be unique at line 3/.test(problem)), problems.join('\n'));
    assert.ok(problems.every((problem) => /line \d+/.test(problem)), problems.join('\n'));
  });

  it('refuses a missing, empty or non-mapping file, and one without models', async () => {
    assert.deepEqual(await problemsOf(join(directory, 'nope.yaml')), ['cannot read the file (ENOENT)']);
    assert.deepEqual(await problemsOf(await fileWith('# nothing yet\n')), ['the file is empty; it must be a mapping with providers and models']);
    assert.deepEqual(await problemsOf(await fileWith('- a\n- b\n')), ['the top level must be a mapping with providers and models']);
    assert.deepEqual(await problemsOf(await fileWith('providers: []\nmodels: []\n')), [
      'providers: must list at least one provider',
      'models: must list at least one model',
    ]);
    assert.deepEqual(await problemsOf(await fileWith('providers: [{ id: Bad!, base_url: "https://x.example" }]\n')), [
      'providers[0].id: must match [a-z0-9][a-z0-9_-]{0,31}',
      'models: is required',
    ]);
  });

  it('never puts a key in a problem', async () => {
    await writeFile(join(directory, 'two-lines.key'), 'sk-secret-line-1\nsk-secret-line-2\n');
    const path = await fileWith(minimal.replace('base_url:', 'api_key_file: two-lines.key, base_url:').replace('provider: local', 'provider: local, weight: -1'));
    const problems = await problemsOf(path);
    assert.equal(problems.length, 2);
    assert.doesNotMatch(problems.join('\n'), /sk-secret/);
  });
});

describe('readApiKeyFile', () => {
  it('re-reads a rotated key', async () => {
    const path = join(directory, 'rotating.key');
    await writeFile(path, 'sk-old\n');
    assert.equal((await readApiKeyFile(path)).reveal(), 'sk-old');
    await writeFile(path, 'sk-new\n');
    const key = await readApiKeyFile(path);
    assert.equal(key.reveal(), 'sk-new');
    assert.equal(String(key), '[redacted]');
  });

  it('refuses an unreadable or empty file', async () => {
    const empty = join(directory, 'empty.key');
    await writeFile(empty, ' \n');
    await assert.rejects(readApiKeyFile(empty), (error) => error instanceof ModelsFileError && error.problems[0] === `${empty} is empty`);
    const absent = join(directory, 'absent.key');
    await assert.rejects(readApiKeyFile(absent), (error) => error instanceof ModelsFileError && error.problems[0] === `cannot read ${absent} (ENOENT)`);
  });
});
