/**
 * The layer rules (.dependency-cruiser.cjs) can fail: cruised from its own directory, the fixture
 * tree test/fixtures/layers breaks each rule once, and every rule must report it. The real tree is
 * checked by `npm run lint:layers`, a step of `npm test`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const { forbidden } = require(join(root, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string }> };

describe('layer rules', () => {
  it('report every rule broken in the fixture tree, and exit non-zero', async () => {
    const fixture = join(root, 'test/fixtures/layers');
    const failure = await run(process.execPath, [depcruise, 'service', 'simulator', '--config', join(root, '.dependency-cruiser.cjs')], { cwd: fixture }).then(
      () => assert.fail('dependency-cruiser passed a tree that breaks every rule'),
      (error: { code: number; stdout: string }) => error,
    );
    assert.notEqual(failure.code, 0);
    // One line per violation: `error <rule>: <from> → <to>` (a cycle continues on the next lines).
    const violations = [...failure.stdout.matchAll(/^\s*error ([a-z-]+): (\S+) →/gm)].map(([, rule, from]) => ({ rule, from }));
    const broken = new Set(violations.map((violation) => violation.rule));
    assert.deepEqual([...broken].sort(), forbidden.map((rule) => rule.name).sort(), 'each rule fires on its fixture');
    assert.ok(
      violations.some((violation) => violation.rule === 'deps-know-no-callers' && violation.from === 'service/deps/redis/client.ts'),
      'a type-only import counts',
    );
  });
});
