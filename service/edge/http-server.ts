/**
 * The Node HTTP server under the Koa app: listens, counts requests in flight, and stops the way a
 * rolling restart needs (stop accepting, let in-flight requests finish, close idle keep-alive
 * sockets as they free up, cut what is left when the grace period ends).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpConfig } from '../config.ts';
import { startServerSpan } from '../telemetry/server-span.ts';
import { refuseMalformedRequests } from './malformed-requests.ts';
import { routeUpgrades } from './websocket/upgrade.ts';

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Requests whose responses have not yet finished or closed. */
  inFlight(): number;
  /** Resolves once every connection is closed, or when `graceMs` runs out: `cut` requests were still going. */
  stop(graceMs: number): Promise<{ cut: number }>;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export async function startHttpServer(
  handler: Handler,
  config: Pick<HttpConfig, 'host' | 'port' | 'keepAliveTimeoutMs'>,
): Promise<RunningServer> {
  let inFlight = 0;
  let stopping = false;
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    inFlight += 1;
    malformed.track(request, response);
    const span = startServerSpan(request, response);
    response.once('close', () => {
      inFlight -= 1;
      span?.end();
      // A keep-alive socket that just went idle would otherwise linger until keepAliveTimeout.
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
    if (span) span.run(() => handler(request, response));
    else handler(request, response);
  };
  const server = createServer({ keepAliveTimeout: config.keepAliveTimeoutMs }, onRequest);
  // An Expect other than 100-continue is ignored (RFC 9110 allows it) rather than answered with
  // Node's bare 417: the request then meets the app like any other, error shape and request id included.
  server.on('checkExpectation', onRequest);
  routeUpgrades(server, handler);
  const malformed = refuseMalformedRequests(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    port: address.port,
    host: address.address,
    inFlight: () => inFlight,
    stop(graceMs) {
      stopping = true;
      return new Promise((resolve) => {
        const graceTimer = setTimeout(() => {
          const cut = inFlight;
          server.closeAllConnections();
          resolve({ cut });
        }, graceMs);
        server.close(() => {
          clearTimeout(graceTimer);
          resolve({ cut: 0 });
        });
        server.closeIdleConnections();
      });
    },
  };
}
