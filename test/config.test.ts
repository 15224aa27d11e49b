/** A bad configuration stops the process before it listens, with every problem on stderr. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnLevee, spawnProcess } from './support/levee-process.ts';

describe('configuration at start-up', () => {
  it('prints every problem and exits 1', async () => {
    const started = spawnProcess({
      command: { file: process.execPath, args: ['service/main.ts'] },
      env: { PORT: 'abc', REQUEST_TIMEOUT_MS: '-1', ADMIN_TOKEN: 'sk-secret' },
    });
    const { code } = await started.exited;
    assert.equal(code, 1);
    const stderr = started.stderr.join('\n');
    assert.match(stderr, /PORT: must be an integer/);
    assert.match(stderr, /REQUEST_TIMEOUT_MS: must be at least 1/);
    assert.match(stderr, /ADMIN_TOKEN: must be at least 16 characters/);
    assert.doesNotMatch(stderr, /sk-secret/);
    assert.deepEqual(started.stdout, [], 'nothing was logged, nothing listened');
  });

  it('refuses to run production on embedded stand-ins, and runs when that is allowed', async () => {
    const refused = spawnProcess({ command: { file: process.execPath, args: ['service/main.ts'] }, env: { LEVEE_ENV: 'production' } });
    assert.equal((await refused.exited).code, 1);
    assert.match(refused.stderr.join('\n'), /LLM_BASE_URL: required when LEVEE_ENV=production/);

    const allowed = await spawnLevee({ env: { LEVEE_ENV: 'production', ALLOW_EMBEDDED_IN_PRODUCTION: 'true' } });
    assert.equal((await fetch(`${allowed.url}/health/live`)).status, 200);
    assert.ok(allowed.logs().some((line) => line.level === 'warn' && /ALLOW_EMBEDDED_IN_PRODUCTION/.test(String(line.msg))));
    assert.equal((await allowed.stop()).code, 0);
  });
});
