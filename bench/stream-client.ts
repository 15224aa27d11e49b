/**
 * Our own streaming client (undici), since autocannon only sees whole responses: time to the
 * first byte of each SSE body, and how many streams completed (ended with `data: [DONE]`).
 * Also holds many streams open at once for the memory measurement.
 */
import { Pool } from 'undici';
import { CLIENT_AUTHORIZATION } from './client-key.ts';
import { latencyPercentiles, round } from './figures.ts';
import { ResourceSampler } from './resource-sampler.ts';
import type { RunFigures } from './results.ts';

const PATH = '/v1/chat/completions';
const HEADERS = { 'content-type': 'application/json', accept: 'text/event-stream', ...CLIENT_AUTHORIZATION };
const DONE = 'data: [DONE]';

export interface StreamRunOptions {
  origin: string;
  /** A streaming chat body (`"stream": true`). */
  body: string;
  /** Streams in flight at once, one connection each. */
  concurrency: number;
  durationSeconds: number;
  /** The process whose CPU and RSS are sampled; unset: not sampled (warm-ups). */
  pid?: number;
}

/**
 * Closed loop: each of `concurrency` workers opens a stream, reads it to the end, and opens the
 * next, until the time is up. Latency figures are time to first byte of the body; throughput is
 * completed streams per second.
 */
export async function runStreams(options: StreamRunOptions): Promise<RunFigures> {
  const pool = new Pool(options.origin, { connections: options.concurrency });
  const ttfb: number[] = [];
  let completed = 0;
  let errors = 0;
  const sampler = options.pid === undefined ? undefined : new ResourceSampler(options.pid);
  sampler?.start();
  const started = performance.now();
  const endsAt = started + options.durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < endsAt) {
      const result = await oneStream(pool, options.body).catch(() => undefined);
      if (result?.done) {
        completed += 1;
        ttfb.push(result.ttfbMs);
      } else {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const resources = sampler?.stop() ?? { cpuPercent: 0, rssMiB: 0 };
  await pool.close();
  return {
    throughput: round(completed / seconds),
    latencyMs: latencyPercentiles(ttfb),
    errors,
    cpuPercent: round(resources.cpuPercent),
    rssMiB: round(resources.rssMiB),
  };
}

/** One stream read to its end: time to the first body byte, and whether it ended with [DONE]. */
async function oneStream(pool: Pool, body: string): Promise<{ ttfbMs: number; done: boolean }> {
  const sent = performance.now();
  const response = await pool.request({ method: 'POST', path: PATH, headers: HEADERS, body });
  if (response.statusCode !== 200) {
    await response.body.dump();
    return { ttfbMs: 0, done: false };
  }
  let ttfbMs = -1;
  let tail = '';
  for await (const chunk of response.body) {
    if (ttfbMs < 0) ttfbMs = performance.now() - sent;
    tail = (tail + (chunk as Buffer).toString('utf8')).slice(-64);
  }
  return { ttfbMs, done: tail.includes(DONE) };
}

/** Streams held open at once. */
export interface HeldStreams {
  /** Streams that answered 200 and delivered a first byte. */
  readonly open: number;
  readonly failed: number;
  /** Cuts every stream (the server sees the clients leave). */
  close(): Promise<void>;
}

/**
 * Opens `count` streams at once (one connection each) and resolves once every one has delivered
 * its first byte or failed, or `timeoutMs` has passed; the bodies keep being read meanwhile.
 */
export async function holdStreams(options: { origin: string; body: string; count: number; timeoutMs: number }): Promise<HeldStreams> {
  const pool = new Pool(options.origin, { connections: options.count });
  let open = 0;
  let failed = 0;
  const opened = Array.from({ length: options.count }, async () => {
    try {
      const response = await pool.request({ method: 'POST', path: PATH, headers: HEADERS, body: options.body });
      if (response.statusCode !== 200) {
        failed += 1;
        await response.body.dump();
        return;
      }
      await new Promise<void>((resolve) => {
        let first = true;
        response.body.once('data', () => {
          first = false;
          open += 1;
          resolve();
        });
        // Also after the first byte: close() cuts every body, and an unheard error would throw.
        response.body.on('error', () => {
          if (first) failed += 1;
          first = false;
          resolve();
        });
        response.body.once('end', resolve);
        response.body.resume();
      });
    } catch {
      failed += 1;
    }
  });
  await Promise.race([Promise.all(opened), new Promise((resolve) => setTimeout(resolve, options.timeoutMs))]);
  return {
    get open() {
      return open;
    },
    get failed() {
      return failed;
    },
    close: () => pool.destroy(),
  };
}
