/**
 * `npm run chaos`: every chaos scenario's full variant, one at a time, then the results.
 *
 *   1. runs `node --test --test-concurrency=1 test/chaos/*.test.ts` (or the files given as
 *      arguments) with CHAOS_VARIANT=full and CHAOS_RESULTS_DIR=bench/results/<YYYY-MM-DD>/chaos,
 *      where each scenario writes its `<scenario>.json`;
 *   2. merges them into bench/results/<YYYY-MM-DD>/chaos.json (ChaosResults, bench/results.ts);
 *   3. calls writeReport(dir) from bench/report/write-report.ts when that file exists.
 *
 * Exits with the test run's exit code, so a failed scenario fails the command (after its
 * results have been written).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeMachine } from '../../bench/machine.ts';
import type { ChaosResult, ChaosResults } from '../../bench/results.ts';
import { REPO_ROOT } from '../support/levee-process.ts';

const startedAt = new Date();
const dir = join(REPO_ROOT, 'bench/results', startedAt.toISOString().slice(0, 10));
const scenarioDir = join(dir, 'chaos');
mkdirSync(scenarioDir, { recursive: true });
// A scenario that fails before writing must not be reported from an older run.
for (const file of readdirSync(scenarioDir)) if (file.endsWith('.json')) rmSync(join(scenarioDir, file));

const files = process.argv.length > 2 ? process.argv.slice(2) : ['test/chaos/*.test.ts'];
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: { ...process.env, CHAOS_VARIANT: 'full', CHAOS_RESULTS_DIR: scenarioDir },
});
const exitCode = await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

const results = readdirSync(scenarioDir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(scenarioDir, file), 'utf8')) as ChaosResult);
const merged: ChaosResults = {
  startedAt: startedAt.toISOString(),
  machine: describeMachine(),
  results,
};
writeFileSync(join(dir, 'chaos.json'), `${JSON.stringify(merged, null, 2)}\n`);
const failedChecks = results.flatMap((result) => result.assertions.filter((assertion) => !assertion.passed).map((assertion) => `${result.scenario}: ${assertion.name}`));
process.stdout.write(
  `chaos: ${results.length} scenario results in ${join(dir, 'chaos.json')}; ${failedChecks.length} failed checks${failedChecks.length ? `:\n  ${failedChecks.join('\n  ')}` : ''}\n`,
);

const reportWriter = join(REPO_ROOT, 'bench/report/write-report.ts');
if (existsSync(reportWriter)) {
  const { writeReport } = (await import(pathToFileURL(reportWriter).href)) as { writeReport: (dir: string) => Promise<void> };
  await writeReport(dir);
  process.stdout.write(`chaos: report written in ${dir}\n`);
}
process.exitCode = exitCode;
