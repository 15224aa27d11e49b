/**
 * A recording pass-through in front of the simulator: Levee's LLM_BASE_URL points here, and every
 * attempt that reaches the upstream is recorded with its arrival time, its status, its
 * Retry-After and when it ended. The simulator's own counters say how many and how many at once;
 * the tap says exactly when, which the rate-limit gate (no arrival inside a Retry-After) and the
 * single-probe checks (no two attempts overlapping in a window) need. It adds one loopback hop.
 * Each replica gets its own base URL (`/<replica>/v1`), so every attempt is attributed to the
 * replica that sent it; the prefix is stripped before forwarding.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nowMs } from './clock.ts';

/** One upstream attempt as the tap saw it; times are epoch milliseconds with sub-ms precision. */
export interface TapRecord {
  arrivedAt: number;
  /** The replica whose base URL it came through (undefined: the plain `/v1` URL). */
  replica?: string;
  /** The path as forwarded, prefix stripped. */
  path: string;
  /** When the upstream's status line came back (undefined: it never did). */
  respondedAt?: number;
  status?: number;
  /** From `retry-after-ms`, else `retry-after` seconds. */
  retryAfterMs?: number;
  /** When the exchange ended: answered, or either side went away. */
  endedAt?: number;
}

export interface UpstreamTap {
  /** Base URL including /v1, for LLM_BASE_URL. */
  url: string;
  /** A replica's own base URL: `/<replica>/v1`. */
  urlFor(replica: string): string;
  records: TapRecord[];
  /** Attempts currently open. */
  inFlight(): number;
  /** The most attempts open at once among those that overlap [from, to] (epoch ms). */
  maxOverlap(from: number, to: number): number;
  close(): Promise<void>;
}

/** Starts a tap forwarding to `upstreamOrigin` (scheme, host and port). */
export async function startUpstreamTap(upstreamOrigin: string): Promise<UpstreamTap> {
  const target = new URL(upstreamOrigin);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const records: TapRecord[] = [];
  let open = 0;

  const server = createServer({ keepAliveTimeout: 65_000 }, (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const arrivedAt = nowMs();
    const prefixed = /^\/([a-z0-9-]+)(\/v1\/.*)$/.exec(incoming.url ?? '/');
    const path = prefixed ? prefixed[2]! : (incoming.url ?? '/');
    const record: TapRecord = { arrivedAt, ...(prefixed ? { replica: prefixed[1]! } : {}), path };
    records.push(record);
    open += 1;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      open -= 1;
      record.endedAt = nowMs();
    };
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path, headers: incoming.headers, agent },
      (answer) => {
        record.respondedAt = nowMs();
        record.status = answer.statusCode;
        record.retryAfterMs = retryAfterOf(answer);
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        outgoing.flushHeaders();
        answer.pipe(outgoing);
        answer.on('error', () => outgoing.destroy());
      },
    );
    upstream.on('error', () => {
      // The simulator reset the connection (a fault) or went away: pass that on as a reset.
      if (!outgoing.headersSent) outgoing.socket?.destroy();
      else outgoing.destroy();
      finish();
    });
    outgoing.on('close', () => {
      // Levee gave up (its attempt timeout, or its caller left): the upstream attempt ends too.
      if (!outgoing.writableFinished) upstream.destroy();
      finish();
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    urlFor: (replica) => `http://127.0.0.1:${port}/${replica}/v1`,
    records,
    inFlight: () => open,
    maxOverlap: (from, to) => maxOverlap(records, from, to),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

function retryAfterOf(answer: IncomingMessage): number | undefined {
  const ms = Number(answer.headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(answer.headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Sweep over start/end events of the attempts that overlap the window. */
export function maxOverlap(records: readonly TapRecord[], from: number, to: number): number {
  const events: Array<[number, number]> = [];
  for (const record of records) {
    const end = record.endedAt ?? Number.POSITIVE_INFINITY;
    if (end < from || record.arrivedAt > to) continue;
    events.push([record.arrivedAt, 1], [end, -1]);
  }
  // Ends before starts at the same instant: back-to-back attempts do not overlap.
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}
