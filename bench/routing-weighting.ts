/**
 * `npm run bench:routing`: does weighting deployments by live health (routing.health_weighting)
 * pay for itself? Two providers serve one chat model with equal weights; `slow` answers in 250 ms
 * and fails 10 % of its calls with 500, `fast` answers in 50 ms. The same paced load runs with
 * health weighting on and off, in the same run, against a fresh Levee each (so neither inherits
 * the other's live state); the report gives each its client mean/p50/p99, share of calls on `slow`,
 * and upstream attempts per request. The README's "Choosing a deployment" quotes it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../simulator/server.ts';
import { latencyPercentiles } from './figures.ts';
import { installCleanup, makeWorkDir, startLeveeProcess } from './processes.ts';

const RATE = 40;
const DURATION_MS = 15_000;

async function measure(healthWeighting: boolean, workDir: string) {
  const slow = await startSimulator({ seed: 11 });
  const fast = await startSimulator({ seed: 12 });
  slow.setFaults([
    { route: 'chat', probability: 0.1, fault: { type: 'error', status: 500 } },
    { route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 250 } } },
  ]);
  fast.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 50 } } }]);
  const modelsFile = join(workDir, `models-${healthWeighting}.yaml`);
  writeFileSync(
    modelsFile,
    `providers:
  - { id: slow, base_url: "${slow.url}" }
  - { id: fast, base_url: "${fast.url}" }
models:
  - name: chat
    deployments: [{ provider: slow, model: gpt-4o-mini }, { provider: fast, model: gpt-4o-mini }]
routing:
  health_weighting: ${healthWeighting}
`,
  );
  // The rate rule alone: a 10 % failure rate must not open the breaker, only shift traffic.
  const levee = await startLeveeProcess({
    name: `levee-${healthWeighting ? 'health' : 'weights'}`,
    workDir,
    upstreamUrl: slow.url,
    adminToken: 'bench-admin-token-0123456789',
    env: { MODELS_FILE: modelsFile, LLM_BREAKER_CONSECUTIVE_FAILURES: '0', LLM_RETRY_BASE_DELAY_MS: '20' },
  });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let attempts = 0;
  const started = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < (RATE * DURATION_MS) / 1000; index++) {
    const wait = started + (index * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      (async () => {
        const sent = performance.now();
        const response = await fetch(`${levee.origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `hello ${index}` }] }),
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - sent);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        attempts += Number(response.headers.get('x-levee-attempts') ?? 0);
      })(),
    );
  }
  await Promise.all(pending);
  const slowCalls = slow.stats().by_route.chat;
  const fastCalls = fast.stats().by_route.chat;
  await levee.stop();
  await Promise.all([slow.close(), fast.close()]);
  const { p50, p99 } = latencyPercentiles(latencies);
  return {
    health_weighting: healthWeighting,
    requests: latencies.length,
    statuses,
    mean_ms: Math.round(latencies.reduce((sum, latency) => sum + latency, 0) / latencies.length),
    p50_ms: p50,
    p99_ms: p99,
    share_on_slow: Math.round((slowCalls / (slowCalls + fastCalls)) * 1000) / 1000,
    attempts_per_request: Math.round((attempts / latencies.length) * 1000) / 1000,
  };
}

installCleanup();
const tmp = mkdtempSync(join(tmpdir(), 'levee-bench-routing-'));
try {
  const workDir = makeWorkDir(tmp);
  const off = await measure(false, workDir);
  const on = await measure(true, workDir);
  process.stdout.write(`${JSON.stringify({ rate_per_s: RATE, duration_ms: DURATION_MS, runs: [off, on] }, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
