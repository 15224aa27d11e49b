import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../telemetry/logger.ts';
import { ApiKeyRegistry, ApiKeysError, filePairs, inlinePairs, parsePairs } from './api-key-registry.ts';

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

describe('ApiKeyRegistry', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'levee-keys-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const keyFile = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('identifies clients by their key name from API_KEYS', async () => {
    const { logger } = capturingLogger();
    const registry = await ApiKeyRegistry.load({ inline: 'alpha:alpha-secret-1, beta:beta-secret-2', logger });
    assert.equal(registry.identify('alpha-secret-1'), 'alpha');
    assert.equal(registry.identify('beta-secret-2'), 'beta');
    assert.equal(registry.identify('alpha-secret-'), undefined);
    assert.equal(registry.identify(''), undefined);
    assert.equal(registry.clients, 2);
    assert.equal(registry.reloadable, false);
  });

  it('reads a file with comments and blank lines; one name may hold two keys (rotation)', async () => {
    const { logger } = capturingLogger();
    const path = await keyFile('rotation.txt', '# clients\n\nalpha:old-alpha-key\r\nalpha:new-alpha-key\n  beta:beta-key-with:colon  \n');
    const registry = await ApiKeyRegistry.load({ file: path, logger });
    assert.equal(registry.identify('old-alpha-key'), 'alpha');
    assert.equal(registry.identify('new-alpha-key'), 'alpha');
    assert.equal(registry.identify('beta-key-with:colon'), 'beta');
    assert.equal(registry.clients, 2);
  });

  it('combines API_KEYS with the file', async () => {
    const { logger } = capturingLogger();
    const path = await keyFile('combined.txt', 'beta:beta-secret-2\n');
    const registry = await ApiKeyRegistry.load({ inline: 'alpha:alpha-secret-1', file: path, logger });
    assert.equal(registry.identify('alpha-secret-1'), 'alpha');
    assert.equal(registry.identify('beta-secret-2'), 'beta');
  });

  it('refuses one key under two names, naming lines and clients but never the key', async () => {
    const { logger } = capturingLogger();
    const path = await keyFile('shared.txt', 'alpha:shared-secret-key\nbeta:shared-secret-key\n');
    const error = await ApiKeyRegistry.load({ file: path, logger }).then(
      () => assert.fail('expected a refusal'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof ApiKeysError);
    assert.match(error.message, /line 2: the key of 'beta' is also the key of 'alpha'/);
    assert.doesNotMatch(error.message, /shared-secret-key/);
    await assert.rejects(ApiKeyRegistry.load({ inline: 'alpha:shared-secret-key', file: await keyFile('x.txt', 'beta:shared-secret-key'), logger }), ApiKeysError);
  });

  it('lists every malformed line without echoing it', async () => {
    assert.throws(
      () => parsePairs(filePairs('ok:long-enough-key\nno-colon-secret-value\nbad name:long-enough-key\nshort:1234567\n', 'keys.txt')),
      (error: unknown) => {
        assert.ok(error instanceof ApiKeysError);
        assert.deepEqual(error.problems.map((problem) => problem.split(':')[0]), ['keys.txt line 2', 'keys.txt line 3', 'keys.txt line 4']);
        assert.doesNotMatch(error.message, /no-colon-secret-value|1234567/);
        return true;
      },
    );
    assert.deepEqual(inlinePairs('a:12345678 , b:abcdefgh').map((pair) => pair.text), ['a:12345678', 'b:abcdefgh']);
  });

  it('fails on a missing file at load', async () => {
    const { logger } = capturingLogger();
    await assert.rejects(ApiKeyRegistry.load({ file: join(dir, 'absent.txt'), logger }), /cannot read .*absent\.txt \(ENOENT\)/);
  });

  it('reload revokes removed keys and adds new ones; a bad file keeps the previous keys', async () => {
    const { logger, lines } = capturingLogger();
    const path = await keyFile('reload.txt', 'alpha:alpha-secret-1\nbeta:beta-secret-2\n');
    const registry = await ApiKeyRegistry.load({ file: path, logger });
    assert.equal(registry.reloadable, true);

    await writeFile(path, 'alpha:alpha-secret-1\ngamma:gamma-secret-3\n');
    assert.equal(await registry.reload(), true);
    assert.equal(registry.identify('beta-secret-2'), undefined);
    assert.equal(registry.identify('gamma-secret-3'), 'gamma');

    await writeFile(path, 'alpha:alpha-secret-1\nthis line is broken\n');
    assert.equal(await registry.reload(), false);
    assert.equal(registry.identify('gamma-secret-3'), 'gamma');

    await rm(path);
    assert.equal(await registry.reload(), false);
    assert.equal(registry.identify('alpha-secret-1'), 'alpha');

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      logged.map((line) => line.msg),
      ['api keys reloaded', 'api keys reload failed: keeping the previous keys', 'api keys reload failed: keeping the previous keys'],
    );
    assert.equal(logged[0]!.clients, 2);
    for (const line of lines) assert.doesNotMatch(line, /secret/);
  });

  it('an empty file is allowed (every key revoked) and said so', async () => {
    const { logger, lines } = capturingLogger();
    const registry = await ApiKeyRegistry.load({ file: await keyFile('empty.txt', '# nobody yet\n'), logger });
    assert.equal(registry.clients, 0);
    assert.equal(registry.identify('anything-at-all'), undefined);
    assert.match(lines.join(''), /holds no keys/);
  });
});
