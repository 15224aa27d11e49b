/**
 * Runs the generated requests against a running Levee: `concurrency` fast-check asserts side by
 * side (seeds seed, seed+1, …), each checking every answer as it comes and, on a failure,
 * shrinking to the smallest request that still fails and printing it with its seed and path.
 * Then the checks of the whole run: the process alive, WebSockets all closed, memory bounded,
 * nothing written for a refused request, no Idempotency-Key record left by an early refusal.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { waitFor } from '../support/wait-for.ts';
import { fuzzRequests } from './catalog.ts';
import { bodyNeverEnds, checkHttp, checkWebSocket } from './check-response.ts';
import { FUZZ_LIMITS, type FuzzStack } from './fuzz-stack.ts';
import { materialise, type FuzzRequest, type SentRequest } from './fuzz-request.ts';
import { checkRefusalsLeftNoIdempotencyRecord } from './idempotency-replay.ts';
import { Ledger } from './ledger.ts';
import { MEMORY_BOUNDS, mebibytes, sampleMemory, watchMemory, type MemorySample } from './memory-watch.ts';
import { checkNothingWrittenForRefusals } from './nothing-written.ts';
import { exchange, type RawOutcome, type RawResponse } from './raw-exchange.ts';
import { webSocketExchange } from './ws-exchange.ts';

export interface FuzzRunOptions {
  /** Generated requests in all (shrinking a failure sends more). */
  requests: number;
  seed: number;
  /** fast-check runs side by side, each with its own seed. */
  concurrency: number;
  /** One counterexample again, from a failure's `seed` and `path`. */
  replay?: { seed: number; path: string };
}

export interface FuzzReport {
  requests: number;
  durationMs: number;
  tally: Map<string, Map<string, number>>;
  /** Refusals by status and error code, most frequent first. */
  codes: Array<[string, number]>;
  /** `before` and `after` sampled right after a forced full GC; `peak` during the run. */
  memory: { before: MemorySample; peak: MemorySample; after: MemorySample; retainedBefore: number; retainedAfter: number };
  written: Awaited<ReturnType<typeof checkNothingWrittenForRefusals>>;
  idempotencyReplays: number;
}

export async function runFuzz(stack: FuzzStack, options: FuzzRunOptions): Promise<FuzzReport> {
  const ledger = new Ledger(stack.fixtures);
  const url = stack.levee.url;
  const retainedBefore = await stack.heapAfterGc();
  const before = await sampleMemory(url);
  const watch = watchMemory(url, 1_000);
  const started = performance.now();
  const runs = options.replay ? [{ seed: options.replay.seed, path: options.replay.path, numRuns: 1 }] : split(options.requests, options.concurrency).map((numRuns, index) => ({ seed: options.seed + index, numRuns }));
  const settled = await Promise.allSettled(
    runs.map((run) => fc.assert(fc.asyncProperty(fuzzRequests(stack.fixtures, FUZZ_LIMITS), (request) => sendAndCheck(stack, ledger, request)), run)),
  );
  const durationMs = performance.now() - started;
  const peak = await watch.stop();
  const failures = settled.flatMap((result, index) => (result.status === 'rejected' ? [`fast-check run ${index} (seed ${runs[index]!.seed}):\n${describeFailure(result.reason)}`] : []));
  if (failures.length > 0) throw new Error(`${failures.length} of ${runs.length} runs failed\n\n${failures.join('\n\n')}${deathNotice(stack)}`);

  assert.equal(stack.levee.child.exitCode, null, 'Levee is still running');
  assert.equal((await fetch(`${url}/health/live`)).status, 200, 'and answers /health/live');
  await waitFor(async () => (await openWebSockets(url)) === 0, { timeoutMs: 10_000, what: 'every WebSocket to be closed' });
  const beforeGc = await sampleMemory(url);
  const retainedAfter = await stack.heapAfterGc();
  const after = await sampleMemory(url);
  const retainedBound = MEMORY_BOUNDS.retainedGrowthBytes(ledger.size);
  assert.ok(retainedAfter - retainedBefore < retainedBound, `Levee retains ${mebibytes(retainedAfter - retainedBefore)} MiB more heap after the run (bound ${mebibytes(retainedBound)} MiB)`);
  const rssBound = MEMORY_BOUNDS.rssGrowthBytes(ledger.size);
  assert.ok(after.rssBytes - before.rssBytes < rssBound, `Levee's RSS after a full GC grew ${mebibytes(after.rssBytes - before.rssBytes)} MiB (bound ${mebibytes(rssBound)} MiB)`);
  const written = await checkNothingWrittenForRefusals(stack, ledger);
  const idempotencyReplays = await checkRefusalsLeftNoIdempotencyRecord(stack, ledger);
  return { requests: ledger.size, durationMs, tally: ledger.tally(), codes: ledger.codes(), memory: { before, peak: { rssBytes: Math.max(before.rssBytes, peak.rssBytes, beforeGc.rssBytes), heapUsedBytes: Math.max(before.heapUsedBytes, peak.heapUsedBytes, beforeGc.heapUsedBytes) }, after, retainedBefore, retainedAfter }, written, idempotencyReplays };
}

async function sendAndCheck(stack: FuzzStack, ledger: Ledger, request: FuzzRequest): Promise<void> {
  const { port } = stack.levee;
  const sent = materialise(request, ledger.nextTag(), 20_000);
  // A body that never ends is answered only at the deadline, if at all: give up on it sooner.
  if (bodyNeverEnds(sent)) sent.raw.timeoutMs = 1_500;
  if (request.upgrade) {
    const outcome = await webSocketExchange(port, sent.raw.target, sent.raw.headers, request.upgrade, 5_000);
    ledger.record(sent, outcome.kind === 'accepted' ? '101' : outcome.kind === 'refused' ? String(outcome.response.status) : 'no-response', outcome.kind === 'refused' ? errorOf(outcome.response) : undefined);
    checkWebSocket(sent, outcome, stack.fixtures);
    return;
  }
  const send = async (attempt: SentRequest) => {
    const outcome = await exchange(port, attempt.raw);
    ledger.record(attempt, outcome.kind === 'response' ? String(outcome.response.status) : 'no-response', outcome.kind === 'response' ? errorOf(outcome.response) : undefined);
    return { attempt, outcome };
  };
  let last = await send(sent);
  // Shed load (503 dependency_saturated, Retry-After: the embedded Postgres is one session with
  // four queued) is retried as SDKs retry it, each attempt a new send: the answer under test is
  // the one the request gets once admitted. Still shed after the deadline is a failure.
  if (isShed(last.outcome)) {
    await waitFor(
      async () => {
        last = await send(materialise(request, ledger.nextTag(), sent.raw.timeoutMs));
        return !isShed(last.outcome);
      },
      { timeoutMs: 15_000, intervalMs: 200, what: `${request.route} to be admitted (still 503 dependency_saturated)` },
    );
  }
  checkHttp(last.attempt, last.outcome, stack.fixtures);
}

function isShed(outcome: RawOutcome): boolean {
  return outcome.kind === 'response' && outcome.response.status === 503 && errorOf(outcome.response)?.code === 'dependency_saturated';
}

/**
 * When Levee died or began to (an uncaught exception starts a shutdown): how, since every
 * counterexample after that is only "no answer".
 */
function deathNotice(stack: FuzzStack): string {
  const { child, stderr, logs } = stack.levee;
  const fatal = logs().filter((line) => line.level === 'fatal').map((line) => JSON.stringify(line).slice(0, 3_000));
  if (child.exitCode === null && child.signalCode === null && fatal.length === 0) return '';
  return `\n\nLEVEE DIED (exit ${child.exitCode}, signal ${child.signalCode}); fatal log lines:\n${fatal.join('\n')}\nlast stderr:\n${stderr.slice(-30).join('\n')}`;
}

/** fast-check's report (seed, path, shrunk counterexample) and the violated property under it. */
function describeFailure(reason: unknown): string {
  const error = reason as Error;
  const cause = error.cause instanceof Error ? `\nviolated: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function errorOf(response: RawResponse): { code?: unknown; param?: unknown } | undefined {
  if (response.status < 400) return undefined;
  try {
    return (JSON.parse(response.body.toString('utf8')) as { error?: { code?: unknown; param?: unknown } }).error;
  } catch {
    return undefined;
  }
}

async function openWebSockets(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^levee_websocket_connections(?:\{[^}]*\})? (\S+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** `total` as `parts` near-equal shares. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0)).filter((share) => share > 0);
}
