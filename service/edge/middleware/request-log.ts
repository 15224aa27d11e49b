/**
 * Assigns the request id and writes exactly one log line per request once its response is
 * finished (so streams are timed whole) or its socket closed early (status 499, as nginx logs it).
 */
import type { Logger } from '../../telemetry/logger.ts';
import type { LeveeMiddleware } from '../state.ts';
import { acceptRequestId } from './request-id.ts';

export interface RequestLogOptions {
  logger: Logger;
  /** Slower requests are logged at warn. */
  slowMs: number;
}

export function requestLog({ logger, slowMs }: RequestLogOptions): LeveeMiddleware {
  return async (ctx, next) => {
    const startedAt = performance.now();
    const requestId = acceptRequestId(ctx.get('X-Request-Id'));
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);

    let logged = false;
    const writeLine = () => {
      if (logged) return;
      logged = true;
      const finished = ctx.res.writableFinished;
      const error = ctx.state.error;
      const status = finished ? ctx.res.statusCode : 499;
      const durationMs = Math.round((performance.now() - startedAt) * 100) / 100;
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined;
      const line: Record<string, unknown> = {
        request_id: requestId,
        method: ctx.method,
        route,
        status,
        duration_ms: durationMs,
      };
      if (error) line.error_code = error.code;
      if (error && status >= 500) line.err = error.cause ?? error;
      if (!finished) line.aborted = true;
      if (logger.isLevelEnabled('debug')) line.req = { url: ctx.path, headers: ctx.req.headers };

      if (status >= 500) logger.error(line, 'request failed');
      else if (durationMs > slowMs) logger.warn(line, 'slow request');
      else if (route?.startsWith('/health')) logger.debug(line, 'request');
      else logger.info(line, 'request');
    };
    ctx.res.once('finish', writeLine);
    ctx.res.once('close', writeLine);
    await next();
  };
}
