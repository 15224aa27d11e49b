/**
 * The tracer Levee's own spans come from, and the ids logs and exemplars carry. Works with or
 * without the SDK preloaded: without it, spans are no-ops and ids are empty.
 */
import { trace, type Span } from '@opentelemetry/api';
import { TRACER_NAME } from './names.ts';

export const tracer = trace.getTracer(TRACER_NAME);

export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/** Ids of a span if it is sampled and real, for log lines and exemplars. */
export function traceIdsOf(span: Span | undefined): TraceIds | undefined {
  const spanContext = span?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** Ids of the active span. */
export function activeTraceIds(): TraceIds | undefined {
  return traceIdsOf(trace.getActiveSpan());
}

/** Flushes and stops the SDK's tracer provider, when one is registered (preloaded). */
export async function shutdownTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { shutdown?: () => Promise<void> } };
  await provider.getDelegate?.().shutdown?.();
}
