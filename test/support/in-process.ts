/**
 * The real app on a real loopback port inside the test process, with its log lines captured, for
 * tests that need to look inside (abort signals, log fields) without a child process.
 */
import { createApp } from '../../service/edge/app.ts';
import type { RouteModule } from '../../service/edge/route-tools.ts';
import { startHttpServer } from '../../service/edge/http-server.ts';
import { HealthService } from '../../service/features/health/health-service.ts';
import { createLogger } from '../../service/telemetry/logger.ts';
import { createMetrics } from '../../service/telemetry/metrics.ts';
import { testRoutes } from './test-routes.ts';

export interface InProcessOptions {
  requestTimeoutMs?: number;
  bodyLimitBytes?: number;
  trustProxyHops?: number;
  extraRoutes?: RouteModule;
}

export async function startInProcess(options: InProcessOptions = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const health = new HealthService({ checkTimeoutMs: 500, version: 'test' });
  const app = createApp({
    logger,
    health,
    http: { bodyLimitBytes: options.bodyLimitBytes ?? 8 * 1024 * 1024, trustProxyHops: options.trustProxyHops ?? 0 },
    requests: { timeoutMs: options.requestTimeoutMs ?? 120_000, slowMs: 5_000 },
    metrics: createMetrics(),
    breakers: new Map(),
    extraRoutes: options.extraRoutes ?? testRoutes,
  });
  const server = await startHttpServer(app.callback(), { host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 5_000 });
  health.markServing();
  return {
    url: `http://127.0.0.1:${server.port}`,
    health,
    /** Log lines written so far, parsed. */
    lines,
    async close() {
      await server.stop(1_000);
      health.close();
    },
  };
}
