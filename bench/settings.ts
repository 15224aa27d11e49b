/** The fixed settings and method notes of a run, as stated in bench.json (`settings`) and the report. */
import type { BenchSettings } from './scenario-runner.ts';
import { EMBEDDING_INPUTS, EMBEDDING_MODEL } from './scenarios.ts';
import { SEARCH_MODEL } from './search-scenario.ts';

export function settingsRecord(
  settings: BenchSettings,
  micro: { calls: number; rounds: number },
  extra: Record<string, string | number>,
): Record<string, string | number> {
  return {
    mode: settings.quick ? 'quick (development: 1 run per figure, not for publishing)' : 'full',
    connections: settings.connections,
    runSeconds: settings.runSeconds,
    warmupSeconds: settings.warmupSeconds,
    runsPerFigure: settings.runsPerFigure,
    figure: 'each figure the median of the runs, figure by figure',
    loadGenerator: 'autocannon 9 (programmatic API) in the bench process, on the same machine, over loopback',
    latency:
      'exact percentiles over every expected response of a run (autocannon response events, request write to response end); autocannon has no p95 of its own',
    halfLevel:
      "half of Levee's own max chat throughput, every target at that rate: an evenly paced open-loop load (bench/paced-load.ts, undici Pool of the run's connections), each request timed from its due time, so waits behind a stall count (coordinated omission corrected, as wrk2 does)",
    cpu: "target process only: /proc utime+stime over each run, % of one core; RSS: peak VmRSS sampled every 200 ms",
    upstream: `simulator as its own process (node simulator/main.ts), no faults (zero added latency), SIM_EMBEDDING_DIMENSION=${settings.searchDimension}`,
    baseline: 'bench/baseline-proxy.ts: bare Koa, undici Pool (256 connections), bodies piped through, no policies or telemetry',
    levee:
      "as npm start (node --import ./service/telemetry/preload.ts service/main.ts) with a user's defaults: access log at info to a file, spans recorded (no OTLP exporter: dropped after), metrics with exemplars, API_KEYS set (every request presents the key), RATE_LIMIT_IP_PER_MIN and RATE_LIMIT_KEY_PER_MIN at 100,000,000 (on, far above the load), caches on, a MODELS_FILE with two providers (both the simulator, weights 9:1), no LLM_QUOTA_*, ADMIN_TOKEN set, own DATA_DIR (embedded PGlite), SHUTDOWN_DRAIN_DELAY_MS=0",
    leveeSampled: 'the same with OTEL_TRACES_SAMPLER=parentbased_traceidratio and OTEL_TRACES_SAMPLER_ARG=0.1 (production-style sampling); non-streaming chat at max only',
    cpuBreakdown:
      'an all-on Levee, and per variant a fresh Levee with one part off (a setting where Levee has one; bench/ablation.ts replaces the module or makes prom-client updates no-ops where it does not), measured in turn run for run (the bare proxy the same way); CPU per call = process CPU ÷ completed calls',
    leveeRedis: 'the same with REDIS_URL to a redis-server started by the bench (no persistence)',
    chatBody: 'gpt-4o-mini, one user message, no temperature or seed: not cacheable (checked: no X-Cache HIT on a repeat)',
    chatStream: `our own undici client, ${settings.connections} concurrent streams in a closed loop; latency = time to first body byte, throughput = streams completed with [DONE] per second; then at half of Levee's streams/s, paced open loop, time to first body byte from each stream's due time`,
    embeddings: `${EMBEDDING_INPUTS} inputs per request, every input unique (embeddings cache misses), ${EMBEDDING_MODEL} (1,536 dimensions), encoding_format base64`,
    search: `${settings.searchDocuments} documents in batches of ${settings.searchBatchSize}, model ${SEARCH_MODEL} (${settings.searchDimension} dimensions, unknown to the simulator), top_k 10, ${settings.searchConnections} connections (the embedded store is one Postgres session: bulkhead 1 + 4 queued, so 32 connections would mostly measure 503 dependency_saturated), a unique query per request: search and embeddings caches miss, so each search is one upstream embedding call plus one HNSW query on the embedded PGlite`,
    searchDocuments: settings.searchDocuments,
    breakerOpen: 'LLM breaker isolated via POST /admin/circuit-breakers/llm/default/isolate (the one provider: its breaker is per provider); 503 is the expected status; reset afterwards',
    concurrentStreams: `${settings.concurrentStreams} streaming chats opened at once against a fresh Levee with LLM_BULKHEAD_MAX_CONCURRENT=${settings.concurrentStreams} (the default 256 would queue the rest); simulator slow-stream fault, 500 ms between chunks; peak RSS from the first open until ${settings.concurrentStreamsSampleSeconds} s after all were open; idle = after 20 chats and 1 s of streams, then 1 s idle`,
    micro: `createLlmDependency with the default config and a real Metrics instance, InstrumentedCalls.run (chat, attempt resolves at once) vs a bare async call; own process with the tracing preload; warm-up, then ${micro.rounds} rounds × ${micro.calls} calls, median`,
    ...extra,
  };
}
