/**
 * Where Levee's extra CPU per proxied chat goes: one fresh Levee per variant, each with one part of
 * the hot path turned off (a setting where Levee has one, bench/ablation.ts where it does not),
 * all run in turn round after round with the bare proxy, so drift on the shared machine spreads
 * over every variant alike. A part's cost is the all-on variant's CPU per call minus its own.
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

async function cpuPerCall(process: ServiceProcess, seconds: number, connections: number): Promise<{ us: number; throughput: number }> {
  const outcome = await runLoad({ origin: process.origin, path: '/v1/chat/completions', body: CHAT_BODY, connections, durationSeconds: seconds, pid: process.pid });
  if (outcome.errors > 0) throw new Error(`${process.name}: ${outcome.errors} unexpected answers ${JSON.stringify(outcome.statuses)}`);
  return { us: outcome.throughput > 0 ? (outcome.cpuPercent / 100 / outcome.throughput) * 1e6 : Number.NaN, throughput: outcome.throughput };
}

export async function cpuBreakdown(options: CpuBreakdownOptions): Promise<CpuBreakdown> {
  const variants: Variant[] = [{ part: 'all on', how: "the bench's user defaults" }, ...OFF, allOff()];
  const started: Array<{ variant: Variant; process: ServiceProcess }> = [];
  try {
    for (const [index, variant] of variants.entries()) {
      const process = await startLeveeProcess({
        name: `levee-breakdown-${index}`,
        workDir: options.workDir,
        upstreamUrl: options.upstreamUrl,
        adminToken: options.adminToken,
        env: { ...variant.env, ...(variant.ablate?.length ? { LEVEE_BENCH_ABLATE: variant.ablate.join(',') } : {}) },
        ...(variant.ablate?.length ? { imports: ['bench/ablation.ts'] } : {}),
      });
      started.push({ variant, process });
    }
    for (const { process } of started) await runLoad({ origin: process.origin, path: '/v1/chat/completions', body: CHAT_BODY, connections: options.connections, durationSeconds: options.warmupSeconds });
    const measured = new Map<ServiceProcess, Array<{ us: number; throughput: number }>>();
    const everyone = [options.baseline, ...started.map(({ process }) => process)];
    for (let run = 1; run <= options.runs; run += 1) {
      for (const process of everyone) {
        const figures = await cpuPerCall(process, options.runSeconds, options.connections);
        measured.set(process, [...(measured.get(process) ?? []), figures]);
      }
      options.progress(`cpu breakdown: round ${run}/${options.runs} done`);
    }
    const usOf = (process: ServiceProcess) => median(measured.get(process)!.map(({ us }) => us));
    const allOnUs = usOf(started[0]!.process);
    const rows: BreakdownRow[] = started.slice(1).map(({ variant, process }) => ({
      part: variant.part,
      how: variant.how,
      cpuUsPerCall: round(usOf(process)),
      runsUs: measured.get(process)!.map(({ us }) => round(us)),
      throughput: round(median(measured.get(process)!.map(({ throughput }) => throughput))),
      costUs: round(allOnUs - usOf(process)),
    }));
    return {
      baselineUsPerCall: round(usOf(options.baseline)),
      allOnUsPerCall: round(allOnUs),
      allOffUsPerCall: rows.at(-1)!.cpuUsPerCall,
      rows,
      runs: options.runs,
      runSeconds: options.runSeconds,
    };
  } finally {
    for (const { process } of started) await process.stop();
  }
}
