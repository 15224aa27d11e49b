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
import { tracer } from './tracing.ts';

const UNTRACED_PATHS = /^\/(health|metrics)(\/|$|\?)/;
/** Semconv: methods outside the known set are recorded as `_OTHER`, keeping span names bounded. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** Runs `handle` inside the request's server span (or directly, for untraced paths). */
export function runInServerSpan(request: IncomingMessage, response: ServerResponse, handle: () => void): void {
  const url = request.url ?? '/';
  if (UNTRACED_PATHS.test(url)) return handle();
  const method = KNOWN_METHODS.has(request.method ?? '') ? request.method! : '_OTHER';
  const queryAt = url.indexOf('?');
  const socket = request.socket;
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        'url.path': queryAt === -1 ? url : url.slice(0, queryAt),
        'url.scheme': 'http',
        'server.port': socket.localPort ?? 0,
        'client.address': socket.remoteAddress ?? '',
        'network.protocol.version': request.httpVersion,
        ...(request.headers['user-agent'] ? { 'user_agent.original': request.headers['user-agent'] } : {}),
      },
    },
    parent,
  );
  response.once('close', () => endServerSpan(span, response));
  context.with(trace.setSpan(parent, span), handle);
}

/** Called once routing knows the route pattern (never the raw path). */
export function nameAfterRoute(span: Span | undefined, method: string, route: string): void {
  if (!span) return;
  span.updateName(`${KNOWN_METHODS.has(method) ? method : '_OTHER'} ${route}`);
  span.setAttribute('http.route', route);
}

function endServerSpan(span: Span, response: ServerResponse): void {
  const status = response.statusCode;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
