/**
 * The benchmark's baseline: the least a Koa proxy can do to forward the same routes to the same
 * upstream with the same HTTP client as Levee (an undici Pool, keep-alive), and nothing else —
 * no validation, policies, caches, logs, metrics or traces. Bodies pass through byte for byte,
 * streams included (the upstream's body is piped to the client as it arrives).
 *
 * As its own process: `PORT=8081 UPSTREAM_URL=http://127.0.0.1:8090/v1 node bench/baseline-proxy.ts`
 * prints `{"msg":"baseline proxy listening","port":…}` once listening and closes on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Pool } from 'undici';

export interface BaselineProxyOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** The upstream's base URL including /v1, as Levee's LLM_BASE_URL. */
  upstreamUrl: string;
  /** Keep-alive connections to the upstream. Default 256, as Levee's LLM bulkhead. */
  connections?: number;
}

export interface BaselineProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** The routes forwarded, as paths under the upstream's base path. */
const ROUTES = new Map([
  ['/v1/chat/completions', '/chat/completions'],
  ['/v1/embeddings', '/embeddings'],
]);

export async function startBaselineProxy(options: BaselineProxyOptions): Promise<BaselineProxy> {
  const upstream = new URL(options.upstreamUrl);
  const basePath = upstream.pathname.replace(/\/$/, '');
  const pool = new Pool(upstream.origin, { connections: options.connections ?? 256 });
  const app = new Koa();
  // Clients cutting connections at the end of each run are not worth a stack trace each.
  app.silent = true;

  app.use(async (ctx) => {
    const path = ROUTES.get(ctx.path);
    if (path === undefined || ctx.method !== 'POST') {
      ctx.status = 404;
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const response = await pool.request({
      method: 'POST',
      path: `${basePath}${path}`,
      headers: { 'content-type': 'application/json', accept: ctx.get('accept') || 'application/json' },
      body: Buffer.concat(chunks),
    });
    ctx.status = response.statusCode;
    const contentType = response.headers['content-type'];
    if (typeof contentType === 'string') ctx.type = contentType;
    // A client that leaves mid-body makes Koa destroy the upstream body, which then errors
    // (RequestAbortedError): expected, and the upstream connection is freed.
    response.body.on('error', () => {});
    ctx.body = response.body;
  });

  const server = createServer({ keepAliveTimeout: 65_000 }, app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}

if (import.meta.main) {
  const upstreamUrl = process.env.UPSTREAM_URL;
  if (!upstreamUrl) {
    process.stderr.write(`${JSON.stringify({ msg: 'baseline proxy: UPSTREAM_URL is required' })}\n`);
    process.exit(1);
  }
  const connections = process.env.UPSTREAM_CONNECTIONS ? Number(process.env.UPSTREAM_CONNECTIONS) : undefined;
  const proxy = await startBaselineProxy({ port: Number(process.env.PORT ?? 0), upstreamUrl, ...(connections ? { connections } : {}) });
  process.stdout.write(`${JSON.stringify({ msg: 'baseline proxy listening', port: proxy.port })}\n`);
  const stop = (): void => void proxy.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
