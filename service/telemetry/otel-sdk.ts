/**
 * The OpenTelemetry SDK, configured by the standard OTEL_* variables like any instrumented
 * service (service name, resource attributes, sampler, OTLP protocol and endpoint). Spans are
 * exported only when an OTLP endpoint (or OTEL_TRACES_EXPORTER) is set; otherwise they are still
 * recorded, so logs and exemplars carry real trace ids, and dropped.
 */
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
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

/** Probes and scrapes would drown the traces that matter. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|$|\?)/;

const sdk = new NodeSDK({
  serviceName: env.OTEL_SERVICE_NAME ?? 'levee',
  ...(exportConfigured ? {} : { spanProcessors: [dropAll] }),
  instrumentations: [
    new HttpInstrumentation({
      // Outgoing calls are undici, traced per attempt by the resilience kit.
      ignoreOutgoingRequestHook: () => true,
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
    }),
  ],
});
sdk.start();
