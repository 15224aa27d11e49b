/**
 * The OpenTelemetry SDK, configured by the standard OTEL_* variables like any instrumented
 * service (service name, resource attributes, sampler, OTLP protocol and endpoint). Spans are
 * exported only when an OTLP endpoint (or OTEL_TRACES_EXPORTER) is set; otherwise they are still
 * recorded, so logs and exemplars carry real trace ids, and dropped. Propagation is the SDK's
 * default (W3C trace context and baggage).
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

const env = process.env;
const exportConfigured = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER);

/** Keeps the tracer provider real (ids, sampling) while exporting nothing. */
const dropAll: SpanProcessor = {
  onStart: () => {},
  onEnd: () => {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

const sdk = new NodeSDK({
  serviceName: env.OTEL_SERVICE_NAME ?? 'levee',
  ...(exportConfigured ? {} : { spanProcessors: [dropAll] }),
  // Metrics are prom-client's and logs pino's. Left unset, the SDK would default both to OTLP
  // exporters (pushing every minute to localhost:4318, which nothing in the compose stack
  // accepts); an explicit OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER still turns them on.
  ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
  ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  // No auto-instrumentation: the server span is ours (server-span.ts, for its cost), outgoing
  // calls are undici, traced per attempt by the resilience kit.
  instrumentations: [],
});
sdk.start();
