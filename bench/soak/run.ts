/**
 * `npm run soak` (`-- --minutes 3` for development, `--out <dir>` to write elsewhere): Levee with
 * Redis and two simulated providers under ~25 requests/s of mixed traffic for 10 minutes, a fault
 * every minute (schedule.ts), its heap, file descriptors and handles sampled throughout. Writes
 * soak.json, soak.md and soak-plots/ to bench/results/<YYYY-MM-DD>/ and exits 1 when a figure
 * fails. Every process it starts is stopped at the end, and killed on failure or SIGINT; the work
 * directory (logs of every process) is kept when a figure fails.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { describeMachine } from '../machine.ts';
import { installCleanup, makeWorkDir, REPO_ROOT } from '../processes.ts';
import { analyzeSoak } from './analysis.ts';
import { createBatch, followBatch } from './batch.ts';
import { SoakClient } from './client.ts';
import { injectFault, removeFault } from './inject.ts';
import { Inspector } from './inspector.ts';
import { startSamplers } from './samplers.ts';
import { faultSchedule, heapSampleTimes } from './schedule.ts';
import { soakSettings } from './settings.ts';
import { setUpCollection } from './setup.ts';
import type { FaultWindow, SoakResults } from './soak-results.ts';
import { startSoakStack, type SoakStack } from './stack.ts';
import { Subscriber } from './subscribers.ts';
import { runTraffic } from './traffic.ts';
import { writeSoakReport } from './write-soak-report.ts';

const { values: flags } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, out: { type: 'string' } } });
const minutes = Number(flags.minutes);
if (!Number.isInteger(minutes) || minutes < 2) {
  process.stderr.write('usage: npm run soak [-- --minutes N (whole, ≥ 2; default 10)] [--out <dir>]\n');
  process.exit(2);
}
/** After the traffic stops, the batch gets this long to end before it counts as not completed. */
const BATCH_END_WAIT_MS = 60_000;

const startedAt = new Date();
let t0 = performance.now();
const elapsed = (): number => performance.now() - t0;
const progress = (line: string): void => {
  const seconds = Math.max(0, Math.round(elapsed() / 1000));
  process.stdout.write(`[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${line}\n`);
};

/** Injects each fault when due and removes it at its end; returns the windows as they really were. */
async function runFaults(stack: SoakStack, planned: FaultWindow[]): Promise<FaultWindow[]> {
  const actual: FaultWindow[] = [];
  for (const fault of planned) {
    await delay(Math.max(0, fault.startMs - elapsed()));
    const startMs = elapsed();
    await injectFault(stack, fault);
    progress(`fault: ${fault.label}`);
    await delay(Math.max(0, fault.endMs - elapsed()));
    await removeFault(stack, fault);
    actual.push({ ...fault, startMs: Math.round(startMs), endMs: Math.round(elapsed()) });
    progress(`fault removed: ${fault.label}`);
  }
  return actual;
}

async function main(): Promise<boolean> {
  installCleanup();
  const workDir = makeWorkDir(tmpdir());
  progress(`levee soak, ${minutes} minutes: logs in ${workDir}`);
  const stack = await startSoakStack(workDir);
  const inspector = await Inspector.connect(stack.inspectorPort);
  progress(`started: levee ${stack.levee.origin} (pid ${stack.levee.pid}), providers ${stack.providers.primary.origin} ${stack.providers.secondary.origin}, redis ${stack.redis.url}`);

  t0 = performance.now();
  const client = new SoakClient(stack.levee.origin, elapsed);
  let lastMinute = 0;
  const samplerOptions = { leveeUrl: stack.levee.origin, pid: stack.levee.pid, inspector, elapsed, heapAt: heapSampleTimes(minutes) };
  const samplers = startSamplers(samplerOptions, (sample) => {
    const minute = Math.floor(sample.t / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    progress(`RSS ${sample.rssMiB.toFixed(0)} MiB, ${sample.openFds} fds, ${sample.activeResources} active resources, ${client.records.length} answers`);
  });
  const collection = await setUpCollection(client);
  let batchId: string | undefined;
  const subscribers = await Promise.all(['all-1', 'all-2', 'by-id'].map((name) => Subscriber.open(stack.levee.origin, name, elapsed, () => batchId)));
  for (const subscriber of subscribers.slice(0, 2)) subscriber.subscribeAll();
  const batch = await createBatch(client);
  batchId = batch.id;
  subscribers[2]!.subscribe(batch.id!);
  progress(`set up: collection ${collection}, batch ${batch.id} (${batch.lines} lines), ${subscribers.length} subscribers`);

  const batchDone = new AbortController();
  const following = followBatch(client, batch, batchDone.signal);
  const planned = faultSchedule(minutes);
  const [faults] = await Promise.all([runFaults(stack, planned), runTraffic(client, { collection, elapsed, untilMs: minutes * 60_000 })]);
  progress(`traffic stopped: ${client.records.length} answers`);
  const batchDeadline = setTimeout(() => batchDone.abort(), BATCH_END_WAIT_MS);
  await following;
  clearTimeout(batchDeadline);
  batchDone.abort();

  for (const subscriber of subscribers) await subscriber.close();
  const { samples, heap, health } = await samplers.stop();
  await inspector.close();
  await client.close();
  await stack.stop();

  // Every answer, for a look at what a figure summarises (kept with the logs when a figure fails).
  writeFileSync(join(workDir, 'answers.jsonl'), client.records.map((record) => JSON.stringify(record)).join('\n'));
  const analysis = analyzeSoak({ minutes, faults, answers: client.records, health, samples, heap, subscribers: subscribers.map((s) => s.record), batch });
  const results: SoakResults = {
    startedAt: startedAt.toISOString(),
    minutes,
    machine: describeMachine(),
    settings: soakSettings(minutes),
    faults,
    samples,
    heap,
    health,
    subscribers: subscribers.map((subscriber) => subscriber.record),
    batch,
    ...analysis,
  };
  const directory = resolve(flags.out ?? join(REPO_ROOT, 'bench/results', startedAt.toISOString().slice(0, 10)));
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'soak.json'), `${JSON.stringify(results, null, 1)}\n`);
  await writeSoakReport(directory, results);
  for (const figure of analysis.figures) progress(`${figure.passed ? 'PASS' : 'FAIL'} ${figure.name}: ${figure.measured} (limit ${figure.limit})`);
  for (const answer of analysis.unexpected.slice(0, 20)) progress(`unexpected: t=${(answer.t / 1000).toFixed(1)} s ${answer.route} ${answer.status} ${answer.code ?? ''} ${answer.fault ?? ''}`);
  progress(`wrote ${join(directory, 'soak.md')}`);
  if (analysis.passed) rmSync(workDir, { recursive: true, force: true });
  else progress(`a figure failed: process logs kept in ${workDir}`);
  return analysis.passed;
}

try {
  process.exit((await main()) ? 0 : 1);
} catch (error) {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
