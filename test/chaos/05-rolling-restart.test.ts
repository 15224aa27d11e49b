/**
 * Chaos 5, rolling restart under load. Steady load through HAProxy (12 requests/s short, 20/s
 * full; a quarter of them streams that last ~1.5 s: the simulator paces them at 100 ms to the
 * first chunk then 80 ms between 18 chunks) while each replica in turn gets SIGTERM, exits, is
 * started again on its port, and is back in HAProxy's rotation before the next one goes (full:
 * two rounds).
 *
 * Expected: no request fails and every stream runs to [DONE]. That holds because of how the
 * pieces fit: on SIGTERM Levee answers readiness 503 while it keeps accepting for
 * SHUTDOWN_DRAIN_DELAY_MS = 3 000 ms, more than twice HAProxy's check interval × fall
 * (2 × 500 ms × 2 = 2 000 ms), so HAProxy takes the replica out before its listener closes
 * (checked: HAProxy's DOWN comes before Levee's `shutdown: listener closed` log line); requests
 * and streams in flight then finish within SHUTDOWN_GRACE_MS (exit code 0, nothing cut); a
 * connection refused meanwhile is retried on the other replica by HAProxy (conn-failure only).
 *
 * Settings: CHAOS_BASE_ENV, SHUTDOWN_DRAIN_DELAY_MS 3 000, SHUTDOWN_GRACE_MS 15 000,
 * LLM_TIMEOUT_FLOOR_MS 1 000 (the default: the stream chunk-gap timeout must not fire on an
 * event-loop stall of a loaded test machine); HAProxy
 * checks GET /health/ready every 500 ms, fall 2, rise 2.
 */
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { INSTANCES, startChaosStack, type ChaosStack, type InstanceName } from './support/chaos-stack.ts';
import { holdFor, nowMs, round } from './support/clock.ts';
import { HEALTH_CHECK } from './support/haproxy.ts';
import { startLoad, statusCounts } from './support/load-driver.ts';
import { byVariant, ChaosReport } from './support/result-writer.ts';
import { startSampler } from './support/sampler.ts';

const DRAIN_DELAY_MS = 3_000;
const RATE = byVariant(12, 20);
const ROUNDS = byVariant(1, 2);
/** Steady load before the first restart and after the last. */
const LEAD_MS = byVariant(2_000, 10_000);
/** Steady load between one replica back in rotation and the next one's SIGTERM. */
const SETTLE_MS = byVariant(500, 5_000);
const STREAM_MODEL = 'chaos-slow-stream';
/** How often HAProxy's view is read: the resolution of the DOWN times the check below compares. */
const HAPROXY_POLL_MS = 100;

interface Restart {
  name: InstanceName;
  signalledAt: number;
  /** When HAProxy first reported the replica DOWN (undefined: never seen). */
  downAt?: number;
  /** Levee's own `shutdown: listener closed` log time. */
  listenerClosedAt?: number;
  exitCode: number | null;
  exitedAt: number;
  readyAt: number;
  backInRotationAt: number;
}

/** Polls HAProxy's view of each replica every HAPROXY_POLL_MS, keeping the time of every change. */
function watchHaproxy(stack: ChaosStack) {
  const changes: Array<{ at: number; name: string; status: string }> = [];
  const last: Record<string, string> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const statuses = await stack.haproxy.serverStatus().catch(() => ({}) as Record<string, string>);
      for (const [name, status] of Object.entries(statuses)) {
        if (last[name] !== status) changes.push({ at: nowMs(), name, status });
        last[name] = status;
      }
      await delay(HAPROXY_POLL_MS);
    }
  })();
  return {
    changes,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('chaos: rolling restart under load', { timeout: 240_000 }, () => {
  let stack: ChaosStack;
  before(async () => {
    stack = await startChaosStack({
      // The production attempt-timeout floor: with FAST_POLICIES' 100 ms, an event-loop stall on
      // a loaded machine cuts an 80 ms chunk gap (a false idle timeout, not what this tests).
      env: { SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS), SHUTDOWN_GRACE_MS: '15000', LLM_TIMEOUT_FLOOR_MS: '1000' },
    });
  });
  after(() => stack?.stop());

  it('restarts each replica in turn without failing a request or cutting a stream', async (t) => {
    const report = new ChaosReport('05-rolling-restart', 'Rolling restart under load (SIGTERM, restart, next)');
    stack.simulator.setFaults([{ route: 'chat', model: STREAM_MODEL, fault: { type: 'slow-stream', ttftMs: 100, chunkGapMs: 80 } }]);
    const t0 = nowMs();
    const load = startLoad({ url: stack.url, ratePerSecond: RATE, streamShare: 0.25, streamModel: STREAM_MODEL });
    const sampler = startSampler(stack, { t0, records: () => [load.records] });
    const haproxy = watchHaproxy(stack);
    await holdFor(LEAD_MS);

    const restarts: Restart[] = [];
    const faultStart = nowMs();
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of INSTANCES) {
        const old = stack.instances[name].process;
        const signalledAt = nowMs();
        const exitCode = await stack.stopInstance(name);
        const exitedAt = nowMs();
        const closedLine = old.logs().find((line) => String(line.msg).startsWith('shutdown: listener closed'));
        await stack.startInstance(name);
        const readyAt = nowMs();
        await stack.haproxy.waitUp([name]);
        const backInRotationAt = nowMs();
        const downAt = haproxy.changes.find((change) => change.name === name && change.at >= signalledAt && change.status.startsWith('DOWN'))?.at;
        restarts.push({
          name,
          signalledAt,
          ...(downAt ? { downAt } : {}),
          ...(typeof closedLine?.time === 'string' ? { listenerClosedAt: Date.parse(closedLine.time) } : {}),
          exitCode,
          exitedAt,
          readyAt,
          backInRotationAt,
        });
        await holdFor(SETTLE_MS);
      }
    }
    const faultEnd = nowMs();
    await holdFor(LEAD_MS);
    const records = await load.stop();
    const samples = await sampler.stop();
    await haproxy.stop();

    const failed = records.filter((record) => record.status !== 200 || !record.completed);
    report.check(
      'no request fails',
      failed.length === 0 && records.length > 0,
      `${records.length - failed.length} of ${records.length} requests succeeded ${JSON.stringify(statusCounts(records))}`,
    );
    const streams = records.filter((record) => record.kind === 'stream');
    const completed = streams.filter((record) => record.completed);
    const longest = Math.max(...streams.map((record) => record.latencyMs));
    report.check(
      'every stream completes ([DONE], no error event)',
      completed.length === streams.length && streams.length > 0,
      `${completed.length} of ${streams.length} streams completed (longest ${Math.round(longest)} ms)`,
    );
    report.check(
      'every replica drained and exited 0 (nothing cut by the grace period)',
      restarts.every((restart) => restart.exitCode === 0),
      restarts.map((restart) => `${restart.name}: exit ${restart.exitCode} after ${Math.round(restart.exitedAt - restart.signalledAt)} ms`).join('; '),
    );
    const outBeforeClose = (restart: Restart) =>
      restart.downAt !== undefined && restart.listenerClosedAt !== undefined && restart.downAt < restart.listenerClosedAt;
    report.check(
      `HAProxy takes each replica out before its listener closes (drain ${DRAIN_DELAY_MS} ms ≥ 2 × ${HEALTH_CHECK.interMs} ms × ${HEALTH_CHECK.fall})`,
      restarts.every(outBeforeClose),
      restarts
        .map(
          (restart) =>
            `${restart.name}: DOWN ${restart.downAt === undefined ? 'never seen' : `${Math.round(restart.downAt - restart.signalledAt)} ms`}, ` +
            `listener closed ${restart.listenerClosedAt === undefined ? '?' : `${Math.round(restart.listenerClosedAt - restart.signalledAt)} ms`} after SIGTERM; ` +
            `ready again ${Math.round(restart.readyAt - restart.signalledAt)} ms, back in rotation ${Math.round(restart.backInRotationAt - restart.signalledAt)} ms`,
        )
        .join('; '),
    );
    report.finish(samples, { start: round((faultStart - t0) / 1000)!, end: round((faultEnd - t0) / 1000)!, label: 'rolling restart' }, (m) => t.diagnostic(m));
  });
});
