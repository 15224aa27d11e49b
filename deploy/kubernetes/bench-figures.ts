/**
 * The measured figures the manifests size Levee's containers from (lib/resources.libsonnet): the
 * newest full bench run under bench/results/, as Levee runs in both environments here, with
 * Redis (the bench's `levee-redis` target). A new full bench run changes the rendered resources;
 * the committed YAML is stale until `npm run manifests`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults, ScenarioResult } from '../../bench/results.ts';

export interface BenchFigures {
  /** The bench.json the figures come from, relative to the repository. */
  source: string;
  /** Process CPU per proxied chat at the paced half level: CPU ÷ completed chats. */
  cpuUsPerChat: number;
  /** Peak RSS at that steady half level. */
  steadyRssMiB: number;
  /** Peak RSS over every Levee run of the bench (embeddings of 64 inputs at max load is the top). */
  peakRssMiB: number;
  /** A fresh Levee, warmed up and idle. */
  idleRssMiB: number;
}

const TARGET = 'levee-redis';

function newestFullRun(resultsDir: string): { file: string; results: BenchResults } {
  const dates = readdirSync(resultsDir).filter((name) => existsSync(join(resultsDir, name, 'bench.json'))).sort().reverse();
  for (const date of dates) {
    const results = JSON.parse(readFileSync(join(resultsDir, date, 'bench.json'), 'utf8')) as BenchResults;
    if (results.settings['mode'] === 'full' && results.scenarios.some((scenario) => scenario.target === TARGET)) {
      return { file: `bench/results/${date}/bench.json`, results };
    }
  }
  throw new Error(`no full bench run with a ${TARGET} target under ${resultsDir}: run npm run bench`);
}

const peakOf = (scenario: ScenarioResult): number => Math.max(...scenario.runs.map((run) => run.rssMiB));

export function benchFigures(root: string): BenchFigures {
  const { file, results } = newestFullRun(join(root, 'bench', 'results'));
  const levee = results.scenarios.filter((scenario) => scenario.target === TARGET);
  const steady = levee.find((scenario) => scenario.scenario === 'chat' && scenario.level.startsWith('half'));
  if (!steady) throw new Error(`${file}: no ${TARGET} chat at the half level`);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    source: file,
    cpuUsPerChat: round((steady.median.cpuPercent / 100 / steady.median.throughput) * 1e6),
    steadyRssMiB: round(peakOf(steady)),
    peakRssMiB: round(Math.max(...levee.map(peakOf))),
    idleRssMiB: round(results.concurrentStreams.baselineRssMiB),
  };
}
