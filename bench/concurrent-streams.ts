/**
 * Levee's own RSS (not its embedded Postgres child) with N streaming chats held open at once,
 * against its idle RSS, and the bare proxy's the same way in the same run (issue 19: ≤ 1.2 ×). The simulator paces the streams (a slow-stream fault: 500 ms between
 * chunks, well under Levee's 1 s floor for the gap timeout) so they stay open while sampled.
 *
 * A Levee of its own, started fresh for this: with the defaults a 257th concurrent call would
 * queue in the LLM bulkhead (256), so this one gets LLM_BULKHEAD_MAX_CONCURRENT = N; nothing else
 * differs from the `levee` target. The proxy likewise gets N upstream connections.
 */
import { CHAT_BODY, CHAT_STREAM_BODY } from './scenarios.ts';
import { call, type BenchContext } from './scenario-runner.ts';
import { startBaselineProcess, startLeveeProcess, type ServiceProcess } from './processes.ts';
import { ResourceSampler, rssMiB } from './resource-sampler.ts';
import { runStreams, holdStreams } from './stream-client.ts';

const FAULT_ID = 'bench-slow-stream';
/** Long enough that no stream ends while being sampled: ~66 chunks × 500 ms. */
const SLOW_BODY = JSON.stringify({ ...(JSON.parse(CHAT_STREAM_BODY) as object), max_tokens: 64 });

export interface ConcurrentStreamsResult {
  streams: number;
  /** Levee's peak RSS with the streams open, and before (idle, warmed). */
  rssMiB: number;
  baselineRssMiB: number;
  /** The bare proxy's, the same way in the same run. */
  proxyRssMiB: number;
  proxyIdleRssMiB: number;
}

/** One process's idle RSS and its peak with `count` streams held open through it. */
async function heldStreamsRss(context: BenchContext, target: ServiceProcess, label: string, count: number) {
  // Warm: the code paths loaded and compiled, as in a process that has served traffic.
  for (let index = 0; index < 20; index += 1) await call(target.origin, '/v1/chat/completions', { body: JSON.parse(CHAT_BODY) });
  await runStreams({ origin: target.origin, body: CHAT_STREAM_BODY, concurrency: 8, durationSeconds: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = rssMiB(target.pid);
  const sampler = new ResourceSampler(target.pid);
  sampler.start();
  const held = await holdStreams({ origin: target.origin, body: SLOW_BODY, count, timeoutMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, context.settings.concurrentStreamsSampleSeconds * 1000));
  const { rssMiB: peak } = sampler.stop();
  context.progress(`concurrent streams: ${held.open} of ${count} open (${held.failed} failed), ${label} RSS ${peak.toFixed(0)} MiB, idle ${idle.toFixed(0)} MiB`);
  if (held.open < count) context.notes[`concurrentStreams.warning.${label}`] = `only ${held.open} of ${count} streams opened (${held.failed} failed)`;
  await held.close();
  return { open: held.open, idle: Math.round(idle * 10) / 10, peak: Math.round(peak * 10) / 10 };
}

export async function concurrentStreams(context: BenchContext, workDir: string): Promise<ConcurrentStreamsResult> {
  const count = context.settings.concurrentStreams;
  const upstreamUrl = `${context.simulator.origin}/v1`;
  await call(context.simulator.origin, '/_sim/faults', {
    body: { id: FAULT_ID, route: 'chat', fault: { type: 'slow-stream', chunkGapMs: 500 } },
    expect: [201],
  });
  try {
    const levee = await startLeveeProcess({ name: 'levee-streams', workDir, upstreamUrl, adminToken: context.adminToken, env: { LLM_BULKHEAD_MAX_CONCURRENT: String(count) } });
    let leveeFigures;
    try {
      leveeFigures = await heldStreamsRss(context, levee, 'Levee', count);
    } finally {
      await levee.stop();
    }
    // The bare proxy, fresh too, with as many upstream connections as streams (it has no queue of its own).
    const proxy = await startBaselineProcess({ name: 'baseline-streams', workDir, upstreamUrl, connections: count });
    let proxyFigures;
    try {
      proxyFigures = await heldStreamsRss(context, proxy, 'bare proxy', count);
    } finally {
      await proxy.stop();
    }
    return { streams: Math.min(leveeFigures.open, proxyFigures.open), rssMiB: leveeFigures.peak, baselineRssMiB: leveeFigures.idle, proxyRssMiB: proxyFigures.peak, proxyIdleRssMiB: proxyFigures.idle };
  } finally {
    await call(context.simulator.origin, `/_sim/faults/${FAULT_ID}`, { method: 'DELETE', expect: [200, 404] });
  }
}
