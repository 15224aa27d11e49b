/**
 * `npm run bench` (`--quick` for development): Levee against a bare Koa proxy on the same
 * simulator, all on loopback, in one bounded run (< 10 minutes on 2 cores). Writes
 * bench/results/<YYYY-MM-DD>/bench.json (BenchResults) and then, when it exists, calls the report
 * writer (bench/report/write-report.ts). Every process it starts is stopped at the end, and
 * killed on failure or SIGINT.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { concurrentStreams } from './concurrent-streams.ts';
import { cpuBreakdown } from './cpu-breakdown.ts';
import {
  installCleanup,
  makeWorkDir,
  REPO_ROOT,
  startBaselineProcess,
  portkeyHeaders,
  startLeveeProcess,
  startPortkeyProcess,
  startRedisProcess,
  startSimulatorProcess,
  type ServiceProcess,
} from './processes.ts';
import { describeMachine } from './machine.ts';
import type { BenchResults, MicroBenchmark } from './results.ts';
import { breakerOpen, chatHalf, chatMax, chatMaxPortkey, chatMaxSampled, chatStream, chatStreamHalf, checkChatNotCached, embeddings } from './scenarios.ts';
import type { BenchContext, BenchSettings } from './scenario-runner.ts';
import { search } from './search-scenario.ts';
import { settingsRecord } from './settings.ts';
import { computeTargets } from './targets.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = flags.quick === true;

const settings: BenchSettings = {
  quick,
  connections: 32,
  runSeconds: quick ? 2 : 5,
  warmupSeconds: quick ? 1 : 3,
  runsPerFigure: quick ? 1 : 3,
  searchConnections: 4,
  searchDocuments: quick ? 2_000 : 10_000,
  searchBatchSize: 1_000,
  searchDimension: 64,
  concurrentStreams: quick ? 200 : 1_000,
  concurrentStreamsSampleSeconds: 2,
};
const micro = { calls: quick ? 20_000 : 100_000, rounds: quick ? 3 : 5 };

const startedAt = new Date();
const started = performance.now();
const progress = (line: string): void => {
  const seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${line}\n`);
};

/** The microbenchmark in its own process, with the tracing preload as in production. */
async function runMicro(): Promise<MicroBenchmark> {
  const child = spawn(
    process.execPath,
    ['--import', './service/telemetry/preload.ts', 'bench/policy-pipeline.ts', '--calls', String(micro.calls), '--rounds', String(micro.rounds)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the policy microbenchmark exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as MicroBenchmark;
}

async function callReportWriter(directory: string): Promise<void> {
  const writer = join(REPO_ROOT, 'bench/report/write-report.ts');
  if (!existsSync(writer)) {
    progress('report writer missing (bench/report/write-report.ts): bench.json only');
    return;
  }
  const module = (await import(pathToFileURL(writer).href)) as { writeReport?: (dir: string) => Promise<void> };
  if (typeof module.writeReport !== 'function') {
    progress('bench/report/write-report.ts does not export writeReport(dir): bench.json only');
    return;
  }
  await module.writeReport(directory);
  progress(`report written in ${directory}`);
}

async function main(): Promise<void> {
  installCleanup();
  const workDir = makeWorkDir(tmpdir());
  progress(`levee bench${quick ? ' --quick' : ''}: logs and data in ${workDir}`);

  progress(`policy microbenchmark (${micro.rounds} × ${micro.calls} calls)…`);
  const microResult = await runMicro();
  progress(`policy pipeline ${microResult.pipelineUs} µs/call (with telemetry ${microResult.instrumentedUs}), bare async ${microResult.bareAsyncUs} µs/call, overhead ${microResult.overheadUs} µs`);

  const stopOrder: ServiceProcess[] = [];
  const simulator = await startSimulatorProcess({ workDir, embeddingDimension: settings.searchDimension });
  stopOrder.unshift(simulator);
  const upstreamUrl = `${simulator.origin}/v1`;
  const adminToken = `bench-admin-${Date.now().toString(36)}-token`;
  const baseline = await startBaselineProcess({ workDir, upstreamUrl });
  stopOrder.unshift(baseline);
  const levee = await startLeveeProcess({ name: 'levee', workDir, upstreamUrl, adminToken });
  stopOrder.unshift(levee);
  const redis = await startRedisProcess({ workDir });
  stopOrder.unshift(redis);
  const leveeRedis = await startLeveeProcess({ name: 'levee-redis', workDir, upstreamUrl, adminToken, redisUrl: redis.origin });
  stopOrder.unshift(leveeRedis);
  const portkey = await startPortkeyProcess({ workDir });
  stopOrder.unshift(portkey);
  const sampled = await startLeveeProcess({
    name: 'levee-sampled',
    workDir,
    upstreamUrl,
    adminToken,
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  });
  stopOrder.unshift(sampled);
  progress(`started: simulator ${simulator.origin}, baseline ${baseline.origin}, levee ${levee.origin}, redis ${redis.origin}, levee-redis ${leveeRedis.origin}`);

  const context: BenchContext = {
    settings,
    simulator,
    targets: [
      { name: 'baseline', process: baseline },
      { name: 'levee', process: levee },
      { name: 'levee-redis', process: leveeRedis },
    ],
    adminToken,
    progress,
    scenarios: [],
    notes: {},
  };
  for (const target of context.targets.slice(1)) await checkChatNotCached(target);

  const leveeMax = await chatMax(context);
  await chatMaxPortkey(context, { name: 'portkey', process: portkey }, portkeyHeaders(upstreamUrl));
  await chatMaxSampled(context, { name: 'levee-sampled', process: sampled });
  await chatHalf(context, leveeMax);
  const leveeStreamsMax = await chatStream(context);
  await chatStreamHalf(context, leveeStreamsMax);
  await embeddings(context);
  await search(context);
  const streams = await concurrentStreams(context, workDir);
  await breakerOpen(context);
  // The breakdown's own Levees need the cores: the other targets are stopped first.
  for (const service of [leveeRedis, redis, portkey, sampled]) await service.stop();
  progress('cpu breakdown: a Levee per part turned off, each measured in turn with an all-on Levee…');
  const breakdown = await cpuBreakdown({
    workDir,
    upstreamUrl,
    adminToken,
    baseline,
    connections: settings.connections,
    // A fresh Levee is still getting faster after 5 s (the first pair of a first version read
    // ~30 % high): 8 s of warm-up, and the median of 4 pairs.
    warmupSeconds: quick ? 2 : 8,
    runSeconds: quick ? 2 : 3,
    runs: quick ? 1 : 4,
    progress,
  });

  for (const service of stopOrder) await service.stop();
  rmSync(workDir, { recursive: true, force: true });

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine: describeMachine(),
    settings: settingsRecord(settings, micro, { halfLevelRps: Math.max(1, Math.round(leveeMax / 2)), ...context.notes }),
    scenarios: context.scenarios,
    micro: microResult,
    concurrentStreams: streams,
    cpuBreakdown: breakdown,
    targets: [],
    profileNotes: readProfileNotes(),
  };
  results.targets = computeTargets(results);
  for (const target of results.targets) {
    progress(`${target.met ? 'MET ' : 'MISS'} ${target.name}: ${target.measured} ${target.unit} (limit ${target.limit})${target.note ? ` — ${target.note}` : ''}`);
  }

  const directory = join(REPO_ROOT, 'bench/results', startedAt.toISOString().slice(0, 10));
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote ${join(directory, 'bench.json')} (${results.durationSeconds} s)`);
  await callReportWriter(directory);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

/** bench/profile-notes.md: what the profiles showed costs what, kept by hand next to the code it describes. */
function readProfileNotes(): string | undefined {
  const path = join(REPO_ROOT, 'bench/profile-notes.md');
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
