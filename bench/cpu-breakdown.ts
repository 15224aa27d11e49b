/**
 * Where Levee's extra CPU per proxied chat goes: a Levee with every part on keeps running while a
 * fresh Levee per variant, with one part of the hot path turned off (a setting where Levee has
 * one, bench/ablation.ts where it does not), is measured in turn with it, run for run. A part's
 * cost is the all-on Levee's CPU per call minus the variant's, from runs seconds apart, so drift on
 * the shared machine cancels out. Only two Levees are up at a time (ten idle ones skewed every
 * figure in a first version).
 */
import { round } from './figures.ts';
import { runLoad } from './load.ts';
import { startLeveeProcess, type ServiceProcess } from './processes.ts';
import type { BreakdownRow, CpuBreakdown } from './results.ts';
import { CHAT_BODY } from './scenarios.ts';

interface Variant {
  part: string;
  how: string;
  env?: Record<string, string | undefined>;
  ablate?: string[];
}

const OFF: Variant[] = [
  { part: 'access log', how: 'LOG_LEVEL=warn', env: { LOG_LEVEL: 'warn' } },
  { part: 'spans', how: 'OTEL_TRACES_SAMPLER=always_off', env: { OTEL_TRACES_SAMPLER: 'always_off' } },
  { part: 'metrics', how: 'prom-client updates made no-ops (bench/ablation.ts)', ablate: ['metrics'] },
  {
    part: 'auth + rate limits',
    how: 'API_KEYS unset, RATE_LIMIT_IP_PER_MIN=0, RATE_LIMIT_KEY_PER_MIN=0',
    env: { API_KEYS: undefined, RATE_LIMIT_IP_PER_MIN: '0', RATE_LIMIT_KEY_PER_MIN: '0' },
  },
  { part: 'validation', how: 'parseRequest passes the body on unchecked (bench/ablation.ts)', ablate: ['validation'] },
  {
    part: 'idempotency/conversation checks',
    how: 'the Idempotency-Key middleware a pass-through (bench/ablation.ts); the conversation check (no header, no field) is one lookup and stays',
    ablate: ['idempotency'],
  },
  { part: 'cache lookup', how: 'Cache-Control not read, X-Cache not set (bench/ablation.ts); this body is not cacheable, so the cache itself is never asked', ablate: ['cache'] },
  { part: 'routing', how: 'MODELS_FILE unset: one provider (LLM_BASE_URL), one deployment', env: { MODELS_FILE: undefined } },
];

export interface CpuBreakdownOptions {
  workDir: string;
  upstreamUrl: string;
  adminToken: string;
  baseline: ServiceProcess;
  connections: number;
  warmupSeconds: number;
  runSeconds: number;
  runs: number;
  progress(line: string): void;
}

function allOff(): Variant {
  return {
    part: 'all of the above',
    how: 'every setting and ablation above at once',
    env: Object.assign({}, ...OFF.map((variant) => variant.env ?? {})) as Record<string, string | undefined>,
    ablate: OFF.flatMap((variant) => variant.ablate ?? []),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function cpuPerCall(target: ServiceProcess, seconds: number, connections: number): Promise<{ us: number; throughput: number }> {
  const outcome = await runLoad({ origin: target.origin, path: '/v1/chat/completions', body: CHAT_BODY, connections, durationSeconds: seconds, pid: target.pid });
  if (outcome.errors > 0) throw new Error(`${target.name}: ${outcome.errors} unexpected answers ${JSON.stringify(outcome.statuses)}`);
  return { us: outcome.throughput > 0 ? (outcome.cpuPercent / 100 / outcome.throughput) * 1e6 : Number.NaN, throughput: outcome.throughput };
}

export async function cpuBreakdown(options: CpuBreakdownOptions): Promise<CpuBreakdown> {
  const start = (name: string, variant: Variant) =>
    startLeveeProcess({
      name,
      workDir: options.workDir,
      upstreamUrl: options.upstreamUrl,
      adminToken: options.adminToken,
      env: { ...variant.env, ...(variant.ablate?.length ? { LEVEE_BENCH_ABLATE: variant.ablate.join(',') } : {}) },
      ...(variant.ablate?.length ? { imports: ['bench/ablation.ts'] } : {}),
    });
  const warm = (target: ServiceProcess) => runLoad({ origin: target.origin, path: '/v1/chat/completions', body: CHAT_BODY, connections: options.connections, durationSeconds: options.warmupSeconds });
  /** `rounds` of (all-on, other) back to back: each comparison made minutes apart from none. */
  const paired = async (allOn: ServiceProcess, other: ServiceProcess) => {
    const pairs: Array<{ allOn: number; other: number; throughput: number }> = [];
    for (let round = 0; round < options.runs; round += 1) {
      const reference = await cpuPerCall(allOn, options.runSeconds, options.connections);
      const measured = await cpuPerCall(other, options.runSeconds, options.connections);
      pairs.push({ allOn: reference.us, other: measured.us, throughput: measured.throughput });
    }
    return pairs;
  };

  const allOn = await start('levee-breakdown-all-on', { part: 'all on', how: '' });
  try {
    await warm(allOn);
    await warm(options.baseline);
    const allOnRuns: number[] = [];
    const baselinePairs = await paired(allOn, options.baseline);
    allOnRuns.push(...baselinePairs.map((pair) => pair.allOn));
    const rows: BreakdownRow[] = [];
    for (const [index, variant] of [...OFF, allOff()].entries()) {
      const levee = await start(`levee-breakdown-${index}`, variant);
      try {
        await warm(levee);
        const pairs = await paired(allOn, levee);
        allOnRuns.push(...pairs.map((pair) => pair.allOn));
        const without = median(pairs.map((pair) => pair.other));
        rows.push({
          part: variant.part,
          how: variant.how,
          cpuUsPerCall: round(without),
          runsUs: pairs.map((pair) => round(pair.other)),
          throughput: round(median(pairs.map((pair) => pair.throughput))),
          costUs: round(median(pairs.map((pair) => pair.allOn)) - without),
        });
        options.progress(`cpu breakdown: ${variant.part} off: ${round(without)} µs/call, costs ${rows.at(-1)!.costUs} µs`);
      } finally {
        await levee.stop();
      }
    }
    return {
      baselineUsPerCall: round(median(baselinePairs.map((pair) => pair.other))),
      allOnUsPerCall: round(median(allOnRuns)),
      rows,
      runs: options.runs,
      runSeconds: options.runSeconds,
    };
  } finally {
    await allOn.stop();
  }
}

/** `node bench/cpu-breakdown.ts [--quick]`: the breakdown alone, printed (the full bench includes it). */
if (import.meta.main) {
  const { installCleanup, makeWorkDir, startBaselineProcess, startSimulatorProcess } = await import('./processes.ts');
  const { tmpdir } = await import('node:os');
  installCleanup();
  const quick = process.argv.includes('--quick');
  const workDir = makeWorkDir(tmpdir());
  const simulator = await startSimulatorProcess({ workDir, embeddingDimension: 64 });
  const upstreamUrl = `${simulator.origin}/v1`;
  const baseline = await startBaselineProcess({ workDir, upstreamUrl });
  const progress = (line: string) => process.stdout.write(`${line}\n`);
  const result = await cpuBreakdown({ workDir, upstreamUrl, adminToken: 'bench-admin-token-0123456789', baseline, connections: 32, warmupSeconds: quick ? 2 : 8, runSeconds: quick ? 2 : 3, runs: quick ? 1 : 4, progress });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await baseline.stop();
  await simulator.stop();
  process.exit(0);
}
