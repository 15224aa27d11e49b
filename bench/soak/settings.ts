/** How a soak run was set up, as soak.json (`settings`) and the report state it. */
import { GRACE_MS } from './classify.ts';
import { CLIENT_TIMEOUT_MS } from './client.ts';
import { RECOVERY_BOUND_MS } from './recovery.ts';
import { HEALTH_EVERY_MS, RESOURCE_EVERY_MS } from './samplers.ts';
import { FAULT_EVERY_MS, FIRST_FAULT_AT_MS, HEAP_SAMPLE_OFFSETS_MS, SHIFTED_LATENCY_MS, WINDOW_MS } from './schedule.ts';
import { SOAK_ENV } from './stack.ts';
import { BATCH_LINES } from './batch.ts';

export function soakSettings(minutes: number): Record<string, string | number> {
  return {
    minutes,
    levee:
      'as npm start (node --import ./service/telemetry/preload.ts service/main.ts) plus --inspect=127.0.0.1:<port>; REDIS_URL, API_KEYS (every request presents the key), RATE_LIMIT_IP_PER_MIN and RATE_LIMIT_KEY_PER_MIN at 100,000,000, a MODELS_FILE with providers primary and secondary (weights 1:1), embedded PGlite, access log at info to a file',
    leveeEnvironment: Object.entries(SOAK_ENV).map(([name, value]) => `${name}=${value}`).join(' '),
    providers: 'two simulators, each its own process (node simulator/main.ts); every call ~20 ms (long-tail, p99 150 ms), stream chunks 10 ms apart, batch-model calls 1 s',
    redis: 'redis-server on loopback, no persistence',
    traffic:
      '~25 requests/s, open loop: chat 6/s, cacheable chat 4/s, streams 3/s, embeddings (4 inputs) 4/s, search 3/s, a 4-turn conversation + read + delete every 2 s, an idempotent chat or embeddings call resent at once 1/s, an upsert of 5 documents every 20 s, batch polls every 5 s',
    batch: `${BATCH_LINES} chat lines, created at the start`,
    subscribers: '3 WebSocket connections to /v1/events (2 subscribed to all jobs, 1 to the batch by id)',
    faults: `one every ${FAULT_EVERY_MS / 1000} s from ${FIRST_FAULT_AT_MS / 1000} s, each ${WINDOW_MS / 1000} s: provider outage (500s or SIGKILL, alternating providers), latency shift to ${SHIFTED_LATENCY_MS} ms (both providers), Redis SIGKILL + restart on its port`,
    graceAfterWindowMs: GRACE_MS,
    recoveryBoundMs: RECOVERY_BOUND_MS,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    sampling: `resources every ${RESOURCE_EVERY_MS / 1000} s (process.getActiveResourcesInfo() over the inspector; /proc RSS, fds, CPU; nodejs_eventloop_lag_p99_seconds); heap after a forced GC at ${HEAP_SAMPLE_OFFSETS_MS.map((ms) => ms / 1000).join(', ')} s past each minute (HeapProfiler.collectGarbage, Runtime.getHeapUsage, v8.getHeapSpaceStatistics()); health every ${HEALTH_EVERY_MS / 1000} s (/health/circuit-breakers, /health/detailed)`,
  };
}
