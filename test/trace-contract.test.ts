/**
 * The trace contract, checked on what a real OTLP receiver gets: a call that succeeds on its third
 * attempt is one call span with three client attempt spans (`http.request.resend_count` 0, 1, 2;
 * `error.type` on the first two), under the server span; its trace id is in the request's log line
 * and is an exemplar in /metrics scraped as OpenMetrics.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}

function attribute(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue;
}

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

describe('trace contract', () => {
  const spans: OtlpSpan[] = [];
  let receiver: Server;
  let stack: LeveeWithSimulator;

  before(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const payload = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    stack = await startLeveeWithSimulator({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      API_KEYS: 'tracer:trace-key-0123456789',
    });
  });
  after(async () => {
    await stack.stop();
    receiver.close();
  });

  it('one call span, three attempt spans, the trace id in the log line and in an exemplar', async () => {
    stack.simulator.setFaults([{ route: 'chat', count: 2, fault: { type: 'error', status: 503 } }]);
    const response = await fetch(`${stack.levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Request-Id': 'trace-contract-1',
        Authorization: 'Bearer trace-key-0123456789',
        // The caller's trace: Levee's server span joins it.
        traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a secret prompt' }] }),
    });
    assert.equal(response.status, 200);

    const callSpan = await waitFor(() => spans.find((span) => span.name === 'llm chat'), { what: () => 'the call span' });
    const attempts = await waitFor(() => {
      const children = spans.filter((span) => span.parentSpanId === callSpan.spanId);
      return children.length === 3 ? children : undefined;
    }, { what: () => 'three attempt spans' });
    attempts.sort((a, b) => Number(attribute(a, 'http.request.resend_count')) - Number(attribute(b, 'http.request.resend_count')));
    assert.deepEqual(attempts.map((span) => attribute(span, 'http.request.resend_count')), [0, 1, 2]);
    assert.deepEqual(attempts.map((span) => attribute(span, 'error.type')), ['http_5xx', 'http_5xx', undefined]);
    assert.deepEqual(attempts.map((span) => attribute(span, 'http.response.status_code')), [503, 503, 200]);
    for (const span of attempts) {
      assert.equal(span.name, 'POST /chat/completions');
      assert.equal(span.kind, 3, 'SPAN_KIND_CLIENT');
      assert.ok(Number(attribute(span, 'levee.attempt.timeout_ms')) > 0);
      assert.equal(attribute(span, 'levee.provider'), 'default');
    }
    assert.equal(attribute(callSpan, 'levee.attempts'), 3);
    assert.equal(attribute(callSpan, 'levee.outcome'), 'success');
    // What served it: the provider and its model, as the X-Levee-* headers say.
    assert.equal(attribute(callSpan, 'levee.provider'), 'default');
    // Model names come from clients: spans carry the bounded label (`_other` until the provider answered for it).
    assert.equal(attribute(callSpan, 'gen_ai.response.model'), attribute(callSpan, 'gen_ai.request.model'));
    assert.equal(attribute(callSpan, 'levee.route.hedged'), false);

    const serverSpan = spans.find((span) => span.spanId === callSpan.parentSpanId);
    assert.equal(serverSpan?.name, 'POST /v1/chat/completions');
    assert.equal(attribute(serverSpan!, 'http.route'), '/v1/chat/completions');
    assert.equal(attribute(serverSpan!, 'levee.client.name'), 'tracer', 'the key name is the client');
    assert.equal(serverSpan!.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(serverSpan!.traceId, CALLER_TRACE_ID, 'continues the caller\'s trace');
    assert.equal(serverSpan!.parentSpanId, CALLER_SPAN_ID);
    assert.equal(attribute(serverSpan!, 'http.request.method'), 'POST');
    assert.equal(attribute(serverSpan!, 'http.response.status_code'), 200);
    assert.equal(attribute(serverSpan!, 'url.path'), '/v1/chat/completions');

    // No content and no key in any attribute.
    assert.doesNotMatch(JSON.stringify(spans), /secret prompt|trace-key/);

    const traceId = callSpan.traceId;
    const line = stack.levee.logs().find((entry) => entry.request_id === 'trace-contract-1');
    assert.equal(line?.trace_id, traceId);
    const metrics = await (await fetch(`${stack.levee.url}/metrics`, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    assert.match(metrics, new RegExp(`^levee_dependency_call_duration_seconds_bucket\\{.*# \\{.*trace_id="${traceId}"`, 'm'));
    const plain = await (await fetch(`${stack.levee.url}/metrics`)).text();
    assert.match(plain, /^levee_dependency_calls_total\{dependency="llm",provider="default",operation="chat",outcome="success"\} 1$/m, 'classic format keeps _total');
  });
});
