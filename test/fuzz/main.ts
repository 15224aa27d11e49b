/**
 * `npm run fuzz`: at least 10,000 generated hostile requests against a fresh Levee, then the
 * report (counts per route and status, duration, memory, what the store checks saw). A random
 * seed unless FUZZ_SEED is given; FUZZ_REQUESTS and FUZZ_CONCURRENCY change the size; a failure
 * prints each failing run's seed, path and shrunk request, and FUZZ_REPLAY=<seed>:<path> sends
 * that one request again.
 */
import { startFuzzStack } from './fuzz-stack.ts';
import { formatReport } from './fuzz-report.ts';
import { runFuzz } from './fuzz-run.ts';

const requests = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 6);
const [replaySeed, replayPath] = (process.env.FUZZ_REPLAY ?? '').split(':');
const replay = replaySeed && replayPath ? { seed: Number(replaySeed), path: replayPath } : undefined;

console.log(replay ? `fuzz: replaying seed ${replay.seed}, path ${replay.path}` : `fuzz: ${requests} requests, ${concurrency} side by side, FUZZ_SEED=${seed}`);
const stack = await startFuzzStack();
// Whatever ends this process (a crash in the fuzzer included) must not leave Levee running.
process.once('exit', () => stack.levee.child.kill('SIGKILL'));
try {
  console.log(formatReport(await runFuzz(stack, { requests, seed, concurrency, ...(replay ? { replay } : {}) })));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.error(`\nthe whole run again: FUZZ_SEED=${seed} FUZZ_REQUESTS=${requests} FUZZ_CONCURRENCY=${concurrency} npm run fuzz`);
  process.exitCode = 1;
} finally {
  await stack.stop();
}
