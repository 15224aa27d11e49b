/**
 * Microbenchmark: the LLM's policy pipeline alone against a bare async call, µs per call, and the
 * same pipeline with its telemetry (what a call costs Levee in all).
 *
 * The pipeline is built the way Levee builds it: `createLlmDependency` with the default
 * configuration (so the policy sheet, `bridgeTelemetry` and a real prom-client Metrics instance),
 * then `InstrumentedCalls` over its policies as the gateway does, calling a chat operation whose
 * attempt resolves at once (closed breaker, success): bulkhead, gate, retry, breaker, adaptive
 * timeout (a timer per attempt), the call and attempt spans and their metrics. Run as its own
 * process with `--import ./service/telemetry/preload.ts` (as run.ts does), the spans are real
 * (recorded and dropped) as in production; imported without it, the tracer is OpenTelemetry's
 * no-op one.
 *
 * As a process: `node --import ./service/telemetry/preload.ts bench/policy-pipeline.ts
 * [--calls 100000] [--rounds 5]` prints the MicroBenchmark as one JSON line.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../service/config.ts';
import { singleProviderModels } from '../service/config/models.ts';
import { LlmProvider } from '../service/deps/llm/llm-provider.ts';
import type { LlmOperation } from '../service/deps/llm/policies.ts';
import { InstrumentedCalls, type CallSpec } from '../service/resilience/instrumented-calls.ts';
import { createLogger } from '../service/telemetry/logger.ts';
import { createMetrics } from '../service/telemetry/metrics.ts';
import { median } from './figures.ts';
import type { MicroBenchmark } from './results.ts';

export interface PolicyPipelineOptions {
  /** Calls per round and per contender. Default 100,000. */
  calls?: number;
  /** Timed rounds; each figure is the median. Default 5. */
  rounds?: number;
  /** Untimed calls of each contender first (JIT, the adaptive timeout's samples). Default = calls. */
  warmupCalls?: number;
}

const CHAT: CallSpec<LlmOperation> = {
  operation: 'chat',
  model: 'gpt-4o-mini',
  attemptSpanName: 'POST /chat/completions',
  attributes: { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' },
};

export async function measurePolicyPipeline(options: PolicyPipelineOptions = {}): Promise<MicroBenchmark> {
  const calls = options.calls ?? 100_000;
  const rounds = options.rounds ?? 5;
  const config = loadConfig({});
  const metrics = createMetrics();
  const logger = createLogger({ level: 'info', destination: { write: () => {} } });
  // Never contacted: the attempt below answers without the client.
  const [provider] = singleProviderModels({ ...config.llm, baseUrl: 'http://127.0.0.1:9/v1' }).providers;
  const llm = new LlmProvider({ config: provider!, metrics, logger });
  const pipeline = new InstrumentedCalls(llm.policies, metrics);
  const signal = new AbortController().signal;
  const answer = { ok: true };
  const attempt = async () => answer;
  const bare = async () => answer;

  const timeBare = async (count: number) => {
    const started = performance.now();
    for (let index = 0; index < count; index += 1) await bare();
    return ((performance.now() - started) * 1000) / count;
  };
  const timePipeline = async (count: number) => {
    const started = performance.now();
    for (let index = 0; index < count; index += 1) await llm.policies.execute(CHAT.operation, CHAT.model, attempt, signal);
    return ((performance.now() - started) * 1000) / count;
  };
  const timeInstrumented = async (count: number) => {
    const started = performance.now();
    for (let index = 0; index < count; index += 1) await pipeline.run(CHAT, signal, attempt);
    return ((performance.now() - started) * 1000) / count;
  };

  const warmup = options.warmupCalls ?? calls;
  await timeBare(warmup);
  await timePipeline(warmup);
  await timeInstrumented(warmup);
  const bareRounds: number[] = [];
  const pipelineRounds: number[] = [];
  const instrumentedRounds: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    bareRounds.push(await timeBare(calls));
    pipelineRounds.push(await timePipeline(calls));
    instrumentedRounds.push(await timeInstrumented(calls));
  }
  await llm.close();
  const bareAsyncUs = median(bareRounds);
  const pipelineUs = median(pipelineRounds);
  const fixed = (value: number) => Math.round(value * 1000) / 1000;
  return {
    bareAsyncUs: fixed(bareAsyncUs),
    pipelineUs: fixed(pipelineUs),
    overheadUs: fixed(pipelineUs - bareAsyncUs),
    instrumentedUs: fixed(median(instrumentedRounds)),
    calls,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { calls: { type: 'string' }, rounds: { type: 'string' } } });
  const result = await measurePolicyPipeline({
    calls: values.calls === undefined ? undefined : Number(values.calls),
    rounds: values.rounds === undefined ? undefined : Number(values.rounds),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
