/**
 * Generated hostile input against a real Levee over real HTTP (test/fuzz/): 1,000 requests from a
 * fixed seed over every route (`npm run fuzz` sends 10,000 from a random one). Each answer must be
 * no 5xx, every refusal in OpenAI's error shape with `request_id` equal to its header, streams and
 * WebSockets well-formed; afterwards Levee must be alive with its memory bounded and nothing
 * stored for a refused request. A failure prints its seed, path and the shrunk request; once
 * fixed, it becomes a case in the table test of its route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatReport } from './fuzz/fuzz-report.ts';
import { runFuzz } from './fuzz/fuzz-run.ts';
import { startFuzzStack, type FuzzStack } from './fuzz/fuzz-stack.ts';

/** Fixed, so `npm test` sends the same requests every time. */
const SEED = 20_261_205;
const REQUESTS = 1_000;

describe('generated hostile input', () => {
  let stack: FuzzStack;
  before(async () => {
    stack = await startFuzzStack();
  });
  after(() => stack?.stop());

  it(`answers ${REQUESTS} generated requests (seed ${SEED}) as promised, stays up and bounded, stores nothing refused`, async () => {
    const report = await runFuzz(stack, { requests: REQUESTS, seed: SEED, concurrency: 4 });
    console.log(formatReport(report).replace(/^/gm, '# '));
    assert.ok(report.requests >= REQUESTS);
    // Every route was reached, most of them past authentication.
    assert.ok(report.tally.size >= 45, `routes reached: ${report.tally.size}`);
  });
});
