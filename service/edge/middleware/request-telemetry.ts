/**
 * Assigns the request id, and when the response is over (finished, so streams are timed whole,
 * or its socket closed early: status 499, as nginx logs it) writes exactly one log line and one
 * `http_server_request_duration_seconds` observation, both by route pattern, never the raw path.
 * Also names the server span after the route (OTel's `{method} {http.route}`) and tags it with the
 * client's name (`levee.client.name`, from its API key's name; never the key).
 */
import { trace } from '@opentelemetry/api';
import { accessLogger, type Logger } from '../../telemetry/logger.ts';
import { observeWithExemplar, type Metrics } from '../../telemetry/metrics.ts';
import { LABEL, SPAN_ATTRIBUTE } from '../../telemetry/names.ts';
import { nameAfterRoute } from '../../telemetry/server-span.ts';
import { activeTraceIds } from '../../telemetry/tracing.ts';
import type { LeveeMiddleware } from '../state.ts';
import { acceptRequestId } from './request-id.ts';

/** Routes machines (or an open ops console, every 2 s) poll: at debug, or they would drown the rest. */
const POLLED_ROUTES = new Set(['/metrics', '/admin/console/state']);

export interface RequestTelemetryOptions {
  logger: Logger;
  metrics: Metrics;
  /** Slower requests are logged at warn. */
  slowMs: number;
}

export function requestTelemetry({ logger, metrics, slowMs }: RequestTelemetryOptions): LeveeMiddleware {
  const access = accessLogger(logger);
  return async (ctx, next) => {
    const startedAt = performance.now();
    // Captured now: the line is written from a socket event, outside the request's trace context.
    const traceIds = activeTraceIds();
    const requestId = acceptRequestId(ctx.get('X-Request-Id'));
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);

    // 'close' follows 'finish' for every response, and comes alone when the client left first.
    ctx.res.once('close', () => {
      const finished = ctx.res.writableFinished;
      const status = finished ? ctx.res.statusCode : 499;
      const durationMs = performance.now() - startedAt;
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined;
      observeWithExemplar(
        metrics.httpServerDuration,
        { [LABEL.method]: ctx.method, [LABEL.route]: route ?? 'unmatched', [LABEL.status]: status },
        durationMs / 1000,
        traceIds as Record<string, string> | undefined,
      );

      const error = ctx.state.error;
      const line: Record<string, unknown> = {
        request_id: requestId,
        method: ctx.method,
        route,
        status,
        duration_ms: Math.round(durationMs * 100) / 100,
        ...traceIds,
      };
      if (ctx.state.client) line.client = ctx.state.client;
      const served = ctx.state.served?.summary();
      if (served) Object.assign(line, { provider: served.provider, upstream_model: served.model, attempts: served.attempts, ...(served.fallbackModel ? { fallback_model: served.fallbackModel } : {}) });
      if (error) line.error_code = error.code;
      if (error && status >= 500) line.err = error.cause ?? error;
      if (!finished) line.aborted = true;
      if (logger.isLevelEnabled('debug')) line.req = { url: ctx.path, headers: ctx.req.headers };

      if (status >= 500) logger.error(line, 'request failed');
      else if (durationMs > slowMs) access.warn(line, 'slow request');
      else if (POLLED_ROUTES.has(route ?? '') || route?.startsWith('/health')) access.debug(line, 'request');
      else access.info(line, 'request');
    });

    try {
      await next();
    } finally {
      const span = trace.getActiveSpan();
      if (typeof ctx._matchedRoute === 'string') nameAfterRoute(span, ctx.method, ctx._matchedRoute);
      if (ctx.state.client) span?.setAttribute(SPAN_ATTRIBUTE.clientName, ctx.state.client);
    }
  };
}
