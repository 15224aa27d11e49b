/**
 * Builds the Koa app. Middleware order, outermost first, and why:
 * a body nobody read is dropped (after everything below, so before the answer leaves) →
 * errors (renders whatever anything below throws) → request telemetry (id; one log line and one
 * duration observation when the response is over) → drain (Connection: close while draining) →
 * deadline (every request's AbortSignal) → the console's security headers (on its 404s too) →
 * route fallbacks (404/405) → router (routes parse their own bodies, so 404/405 win over 415) →
 * the guards of unmatched `/v1` paths → the router's 405s. `/v1` routes add their own guards in
 * front of the handler: rate limits and client keys (middleware/v1-access.ts).
 */
import { Router } from '@koa/router';
import Koa from 'koa';
import type { HttpConfig } from '../config.ts';
import type { BatchesDeps } from '../features/batches/batches.ts';
import type { Caches } from '../features/cache/caches.ts';
import type { BreakerRegistry } from '../features/circuit-breakers/circuit-breakers.ts';
import type { AdminCredentials } from '../features/console/admin-credentials.ts';
import type { ConsoleStateSources } from '../features/console/console-state.ts';
import type { InboundRateLimits } from '../features/access/inbound-rate-limits.ts';
import type { HealthService } from '../features/health/health-service.ts';
import type { JobsReportOptions } from '../features/jobs/jobs-report.ts';
import type { Files } from '../features/files/files.ts';
import type { ImportsDeps } from '../features/imports/imports.ts';
import type { IdempotentRequests } from '../features/idempotency/idempotent-requests.ts';
import type { RetrievalDeps } from '../features/retrieval/retrieval-deps.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { MetricsExposition } from '../telemetry/metrics-exposition.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { consoleHeaders } from './console/console-headers.ts';
import { loadAssets, loadVendorFiles } from './console/static-files.ts';
import { requireAdmin } from './middleware/admin-auth.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { dropUnreadBody } from './middleware/unread-body.ts';
import { requestDeadline } from './middleware/deadline.ts';
import { closeConnectionsWhileDraining } from './middleware/drain.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { idempotency } from './middleware/idempotency.ts';
import { jsonBody } from './middleware/json-body.ts';
import { requestTelemetry } from './middleware/request-telemetry.ts';
import { routeFallbacks } from './middleware/route-fallbacks.ts';
import { guardUnmatchedV1 } from './middleware/v1-access.ts';
import type { RouteModule, RouteTools } from './route-tools.ts';
import { adminJobRoutes } from './routes/admin-jobs.ts';
import { batchRoutes } from './routes/batches.ts';
import { cacheHealthRoutes } from './routes/cache-health.ts';
import { circuitBreakerRoutes } from './routes/circuit-breakers.ts';
import { consoleRoutes } from './routes/console.ts';
import { consoleStateRoutes } from './routes/console-state.ts';
import { fileRoutes } from './routes/files.ts';
import { eventRoutes, type EventsOptions } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { importRoutes } from './routes/imports.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { retrievalRoutes } from './routes/retrieval.ts';
import { v1Routes, type V1Options } from './routes/v1.ts';
import type { LeveeState } from './state.ts';

/** A small body sent where none is read (a GET's) is read and dropped; a large one is left to close the connection. */
const UNREAD_BODY = { maxBytes: 1024 * 1024, maxWaitMs: 2_000 };

export interface AppOptions {
  logger: Logger;
  health: HealthService;
  http: Pick<HttpConfig, 'bodyLimitBytes' | 'trustProxyHops'>;
  requests: { timeoutMs: number; slowMs: number };
  metrics: Metrics;
  /** Serves /metrics on this app; unset when metrics have a port of their own. */
  exposition?: MetricsExposition;
  /** The OpenAI-compatible API; unset in tests of the edge alone. */
  v1?: V1Options;
  /** Idempotency-Key records for POST routes; unset: the header is ignored. */
  idempotency?: IdempotentRequests;
  /** Serves GET /health/cache (hit ratios per cache); unset: not mounted. */
  caches?: Pick<Caches, 'stats'>;
  /** The retrieval API (/v1/collections), behind the same guards as `v1`; unset: not mounted. */
  retrieval?: RetrievalDeps;
  /** The Files API (/v1/files), behind the same guards as `v1`; unset: not mounted. */
  files?: Files;
  /** The Batch API (/v1/batches), behind the same guards as `v1`; unset: not mounted. */
  batches?: BatchesDeps;
  /** Document imports (/v1/collections/:name/imports), behind the same guards as `v1`; unset: not mounted. */
  imports?: ImportsDeps;
  /** Live notifications (/v1/events behind the /v1 guards, /admin/events behind ADMIN_TOKEN); unset: not mounted. */
  events?: EventsOptions;
  /** Queue stats at /health/jobs; unset: not mounted. */
  jobs?: JobsReportOptions;
  breakers: BreakerRegistry;
  /** ADMIN_TOKEN and the console sessions it signs; unset: admin routes and the console are not mounted. */
  admin?: AdminCredentials;
  /** What the ops console shows (/console, /admin/console/state); mounted only with `admin`. */
  console?: ConsoleStateSources;
  /** Counts sign-in attempts at /console/login per client IP (its one policy). */
  consoleLogins?: InboundRateLimits;
  /** More routes, mounted after Levee's own (tests add slow or failing routes here). */
  extraRoutes?: RouteModule;
}

export function createApp(options: AppOptions): Koa<LeveeState> {
  const app = new Koa<LeveeState>({
    // X-Forwarded-For counts only through the configured number of trusted proxies.
    proxy: options.http.trustProxyHops > 0,
    maxIpsCount: options.http.trustProxyHops,
  });
  app.silent = true;
  // Koa reports here only what the error middleware could not answer (a broken stream, a write error).
  app.on('error', (error: unknown) => options.logger.warn({ err: error }, 'response error'));

  const router = new Router<LeveeState>();
  const idempotentRequests = options.idempotency;
  const tools: RouteTools = {
    json: jsonBody({ limitBytes: options.http.bodyLimitBytes }),
    idempotent: (route) => (idempotentRequests ? [idempotency(idempotentRequests, route)] : []),
  };
  const admin = options.admin && requireAdmin(options.admin);
  healthRoutes(router, options.health, options.jobs);
  circuitBreakerRoutes(router, options.breakers, admin);
  if (options.exposition) metricsRoutes(router, options.exposition);
  if (options.v1) v1Routes(router, tools, options.v1);
  if (options.caches) cacheHealthRoutes(router, options.caches);
  if (options.retrieval) retrievalRoutes(router, tools, options.retrieval, options.v1?.guards);
  if (options.files) fileRoutes(router, options.files, options.v1?.guards);
  if (options.batches) batchRoutes(router, tools, options.batches, options.v1?.guards);
  if (options.imports) importRoutes(router, tools, options.imports, options.v1?.guards);
  if (options.events) eventRoutes(router, options.events, options.v1?.guards, admin);
  if (admin) adminJobRoutes(router, admin, { batches: options.batches, imports: options.imports });
  // The console rides on the admin check: no ADMIN_TOKEN, no console.
  const consoleMounted = admin !== undefined && options.console !== undefined;
  if (options.admin && admin && options.console) {
    const logins = options.consoleLogins;
    const loginLimit = logins && rateLimit({ limits: logins, policies: logins.policies, route: '/console/login', identify: (ctx) => ctx.ip, metrics: options.metrics });
    consoleRoutes(router, tools, options.admin, { assets: loadAssets(), vendor: loadVendorFiles() }, loginLimit);
    consoleStateRoutes(router, admin, options.console);
  }
  options.extraRoutes?.(router, tools);

  app.use(dropUnreadBody(UNREAD_BODY));
  app.use(errorHandler());
  app.use(requestTelemetry({ logger: options.logger, metrics: options.metrics, slowMs: options.requests.slowMs }));
  app.use(closeConnectionsWhileDraining(options.health));
  app.use(requestDeadline({ timeoutMs: options.requests.timeoutMs }));
  if (consoleMounted) app.use(consoleHeaders);
  app.use(routeFallbacks());
  app.use(router.routes());
  if (options.v1?.guards) app.use(guardUnmatchedV1(options.v1.guards));
  app.use(router.allowedMethods());
  return app;
}
