/**
 * The server span of each inbound request, per the stable HTTP semantic conventions: kind SERVER,
 * named `{method}` until the route is known (`nameAfterRoute`, then `{method} {http.route}`),
 * parented on an incoming W3C `traceparent`, ended when the response closes with its status
 * (`error.type` and an error status on 5xx). Probes and scrapes are not traced: they would drown
 * the traces that matter.
 *
 * Written here rather than taken from @opentelemetry/instrumentation-http: that instrumentation
 * cost ~75 µs of CPU per request here (about a fifth of all Levee spends on a proxied chat; see
 * bench/), for a span this module builds in a few microseconds, and it needs an ESM loader hook.
 * No query string, header or body goes into an attribute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import { tracer } from './tracing.ts';

const UNTRACED_PATHS = /^\/(health|metrics)(\/|$|\?)/;
/** Semconv: methods outside the known set are recorded as `_OTHER`, keeping span names bounded. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

export interface ServerSpan {
  /** Runs the request's handling with the span active (so every span under it is its child). */
  run(handle: () => void): void;
  /** Ends it with the response's status: call once, when the response closes. */
  end(): void;
}

/**
 * The server span of a request, or undefined for untraced paths. The caller ends it from the
 * response's 'close' listener it already has: every listener counts against the response's
 * limit of 10, which a streamed body with Koa's own listeners otherwise exceeds (a warning per
 * request).
 */
export function startServerSpan(request: IncomingMessage, response: ServerResponse): ServerSpan | undefined {
  const url = request.url ?? '/';
  if (UNTRACED_PATHS.test(url)) return undefined;
  const method = KNOWN_METHODS.has(request.method ?? '') ? request.method! : HTTP_REQUEST_METHOD_VALUE_OTHER;
  const queryAt = url.indexOf('?');
  const socket = request.socket;
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_PATH]: queryAt === -1 ? url : url.slice(0, queryAt),
        [ATTR_URL_SCHEME]: 'http',
        [ATTR_SERVER_PORT]: socket.localPort ?? 0,
        [ATTR_CLIENT_ADDRESS]: socket.remoteAddress ?? '',
        [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
        ...(request.headers['user-agent'] ? { [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'] } : {}),
      },
    },
    parent,
  );
  return {
    run: (handle) => context.with(trace.setSpan(parent, span), handle),
    end: () => endServerSpan(span, response),
  };
}

/** Called once routing knows the route pattern (never the raw path). */
export function nameAfterRoute(span: Span | undefined, method: string, route: string): void {
  if (!span) return;
  span.updateName(`${KNOWN_METHODS.has(method) ? method : HTTP_REQUEST_METHOD_VALUE_OTHER} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
}

function endServerSpan(span: Span, response: ServerResponse): void {
  const status = response.statusCode;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
