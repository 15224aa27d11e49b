import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { waitFor } from '../../test/support/wait-for.ts';
import { nameAfterRoute, startServerSpan } from './server-span.ts';

describe('server span', () => {
  const exporter = new InMemorySpanExporter();
  let server: Server;
  let origin: string;

  before(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    // What the NodeSDK registers in production: the active span follows the request.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    server = createServer((request, response) => {
      const span = startServerSpan(request, response);
      response.once('close', () => span?.end());
      const handle = () => {
        if (request.url?.startsWith('/v1/things/')) nameAfterRoute(trace.getSpan(context.active()), request.method!, '/v1/things/:id');
        response.statusCode = request.url?.startsWith('/v1/broken') ? 503 : 200;
        response.end('ok');
      };
      if (span) span.run(handle);
      else handle();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  // A span ends on the response's 'close', which can come just after the client has the body.
  const finished = (count: number) =>
    waitFor(() => exporter.getFinishedSpans().length >= count && exporter.getFinishedSpans(), { timeoutMs: 1_000, intervalMs: 10, what: `${count} finished span(s)` });

  it('is a SERVER span named after the route, with the stable HTTP attributes and no query string', async () => {
    exporter.reset();
    await (await fetch(`${origin}/v1/things/42?secret=1`, { headers: { 'user-agent': 'test-agent' } })).text();
    const [span] = await finished(1);
    assert.equal(span!.name, 'GET /v1/things/:id');
    assert.equal(span!.kind, 1);
    assert.equal(span!.attributes['http.route'], '/v1/things/:id');
    assert.equal(span!.attributes['http.request.method'], 'GET');
    assert.equal(span!.attributes['http.response.status_code'], 200);
    assert.equal(span!.attributes['url.path'], '/v1/things/42');
    assert.equal(span!.attributes['user_agent.original'], 'test-agent');
    assert.doesNotMatch(JSON.stringify(span!.attributes), /secret/);
  });

  it('joins the caller\'s trace and marks a 5xx as an error', async () => {
    exporter.reset();
    await (await fetch(`${origin}/v1/broken`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })).text();
    const [span] = await finished(1);
    assert.equal(span!.name, 'GET', 'no route matched: the method alone');
    assert.equal(span!.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(span!.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.equal(span!.attributes['error.type'], '503');
    assert.equal(span!.status.code, 2);
  });

  it('does not trace probes and scrapes', async () => {
    exporter.reset();
    for (const path of ['/health/live', '/metrics', '/health']) await (await fetch(`${origin}${path}`)).text();
    await (await fetch(`${origin}/v1/things/1`)).text();
    const spans = await finished(1);
    assert.deepEqual(spans.map((span) => span.attributes['url.path']), ['/v1/things/1']);
  });
});
