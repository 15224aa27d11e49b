/**
 * knip can fail: on test/fixtures/knip (an unused file, an unused export, an unused dependency) it
 * must report each and exit non-zero. The real project is checked by `npm run lint:unused`, a step
 * of `npm test`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const knip = join(root, 'node_modules/knip/bin/knip.js');

describe('dead-code check', () => {
  it('reports an unused file, export and dependency, and exits non-zero', async () => {
    const failure = await run(process.execPath, [knip, '--directory', join(root, 'test/fixtures/knip'), '--reporter', 'json', '--no-progress']).then(
      () => assert.fail('knip passed a project with dead code'),
      (error: { code: number; stdout: string }) => error,
    );
    assert.notEqual(failure.code, 0);
    const report = JSON.parse(failure.stdout) as { files?: string[]; issues: Array<{ file: string; dependencies: Array<{ name: string }>; exports: Array<{ name: string }>; files?: Array<{ name: string }> }> };
    const flat = JSON.stringify(report);
    assert.match(flat, /orphan\.ts/, 'the unused file');
    assert.ok(report.issues.some((issue) => issue.dependencies.some((dependency) => dependency.name === 'left-pad')), 'the unused dependency');
    assert.ok(report.issues.some((issue) => issue.file === 'used.ts' && issue.exports.some((entry) => entry.name === 'unusedExport')), 'the unused export');
  });
});
