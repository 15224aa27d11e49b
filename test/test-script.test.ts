/**
 * `npm test` names its test files by globs in two phases (everything else two at a time, then the
 * chaos scenarios alone, since on two cores a neighbour's CPU burst is what they would measure).
 * A test file in a folder no glob covers would silently never run: this says which.
 */
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The quoted file globs of one npm script's `node --test` command. */
function globsOf(script: string): string[] {
  const command = scripts[script];
  assert.ok(command, `package.json has no "${script}" script`);
  return [...command.matchAll(/"([^"]+\.test\.ts)"/g)].map((match) => match[1]!);
}

const filesOf = (globs: string[]): Set<string> => new Set(globs.flatMap((glob) => globSync(glob)));

describe('npm test', () => {
  it('runs every *.test.ts in service/ and test/, the chaos scenarios only in their serial phase', () => {
    assert.match(scripts.test!, /npm run test:chaos$/);
    assert.match(scripts['test:chaos']!, /--test-concurrency=1 /);
    const concurrent = filesOf(globsOf('test'));
    const chaos = filesOf(globsOf('test:chaos'));
    const all = globSync('{service,test}/**/*.test.ts');
    assert.ok(all.length > 100, `found only ${all.length} test files`);
    assert.deepEqual(all.filter((file) => !concurrent.has(file) && !chaos.has(file)), [], 'test files no npm test glob covers');
    assert.deepEqual([...chaos].filter((file) => concurrent.has(file)), [], 'chaos scenarios also in the concurrent phase');
    assert.ok(chaos.size >= 9, `the chaos phase covers ${chaos.size} scenarios`);
  });
});
