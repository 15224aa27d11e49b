/**
 * Runs dependency calls through their policies with one span per logical call and one client
 * span per attempt (`http.request.resend_count`, the timeout used, `error.type`), and counts
 * calls and attempts by outcome. Business code only supplies the attempt itself.
 */
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { observeWithExemplar, type Metrics } from '../telemetry/metrics.ts';
import { SPAN_ATTRIBUTE } from '../telemetry/names.ts';
import { traceIdsOf, tracer } from '../telemetry/tracing.ts';
import type { BulkheadLease } from './bulkhead.ts';
import { classifyFailure } from './classification.ts';
import { AttemptTimeoutError } from './errors.ts';
import type { CallContext, DependencyPolicies } from './dependency-policies.ts';
import { boundedOutcome, type Outcome } from './outcomes.ts';

export interface CallSpec<Operation extends string> {
  operation: Operation;
  /** Keys the adaptive timeout; a bounded label. */
  model: string;
  /** The client span's name, e.g. `POST /chat/completions`. */
  attemptSpanName: string;
  /** Extra attributes for the call span (never content). */
  attributes?: Attributes;
  /** Extra attributes for each attempt's span (never content). */
  attemptAttributes?: Attributes;
}

/** What one attempt gets: the policies' context (signal, attempt number, timeout) and its span. */
type AttemptContext = CallContext & { span: Span };
export type Attempt<T> = (context: AttemptContext) => Promise<T>;

export class InstrumentedCalls<Operation extends string> {
  readonly policies: DependencyPolicies<Operation>;
  readonly #metrics: Metrics;

  constructor(policies: DependencyPolicies<Operation>, metrics: Metrics) {
    this.policies = policies;
    this.#metrics = metrics;
  }

  run<T>(spec: CallSpec<Operation>, signal: AbortSignal, attempt: Attempt<T>): Promise<T> {
    return this.#call(spec, signal, (instrumented) => this.policies.execute(spec.operation, spec.model, instrumented(attempt), signal));
  }

  /** For streams: the bulkhead slot comes back with the value, and the caller releases it. */
  runHoldingSlot<T>(spec: CallSpec<Operation>, signal: AbortSignal, attempt: Attempt<T>): Promise<{ value: T; lease: BulkheadLease }> {
    return this.#call(spec, signal, (instrumented) =>
      this.policies.executeHoldingSlot(spec.operation, spec.model, instrumented(attempt), signal),
    );
  }

  #call<R>(
    spec: CallSpec<Operation>,
    signal: AbortSignal,
    through: (instrumented: <T>(attempt: Attempt<T>) => (context: CallContext) => Promise<T>) => Promise<R>,
  ): Promise<R> {
    const { dependency } = this.policies;
    const span = tracer.startSpan(`${dependency} ${spec.operation}`, {
      kind: SpanKind.INTERNAL,
      attributes: { ...spec.attributes, [SPAN_ATTRIBUTE.dependency]: this.policies.dependency,
        ...(this.policies.provider === undefined ? {} : { [SPAN_ATTRIBUTE.provider]: this.policies.provider }), [SPAN_ATTRIBUTE.operation]: spec.operation },
    });
    const started = performance.now();
    let attempts = 0;
    const instrumented =
      <T>(attempt: Attempt<T>) =>
      (callContext: CallContext) => {
        attempts += 1;
        return this.attempt(spec, signal, callContext, attempt);
      };

    return context.with(trace.setSpan(context.active(), span), async () => {
      let outcome: Outcome = 'success';
      try {
        return await through(instrumented);
      } catch (error) {
        outcome = this.#outcomeOf(error, signal);
        span.setAttribute(SPAN_ATTRIBUTE.errorType, outcome);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.setAttributes({
          [SPAN_ATTRIBUTE.attempts]: attempts,
          [SPAN_ATTRIBUTE.outcome]: outcome,
          [SPAN_ATTRIBUTE.breakerState]: this.policies.breaker.state,
        });
        this.#record('call', spec.operation, outcome, performance.now() - started, span);
        span.end();
      }
    });
  }

  /** One attempt's client span and attempt metrics; also for callers that retry across instances themselves. */
  async attempt<T>(spec: CallSpec<Operation>, callerSignal: AbortSignal, callContext: CallContext, attempt: Attempt<T>): Promise<T> {
    const span = tracer.startSpan(spec.attemptSpanName, {
      kind: SpanKind.CLIENT,
      attributes: {
        ...spec.attemptAttributes,
        [SPAN_ATTRIBUTE.dependency]: this.policies.dependency,
        ...(this.policies.provider === undefined ? {} : { [SPAN_ATTRIBUTE.provider]: this.policies.provider }),
        [SPAN_ATTRIBUTE.resendCount]: callContext.attempt,
        [SPAN_ATTRIBUTE.timeoutMs]: Math.round(callContext.timeoutMs),
      },
    });
    const started = performance.now();
    let outcome: Outcome = 'success';
    try {
      // The span is handed over, not made active: nothing under an attempt starts spans or logs, and
      // a context scope per attempt was a measurable share of a proxied call's cost (bench/).
      return await attempt({ ...callContext, span });
    } catch (error) {
      // Cut at its timeout, the client fails with its own error (a closed connection): say timeout.
      const reason: unknown = callContext.signal.aborted ? callContext.signal.reason : undefined;
      outcome = this.#outcomeOf(reason instanceof AttemptTimeoutError ? reason : error, callerSignal);
      span.setAttribute(SPAN_ATTRIBUTE.errorType, outcome);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      this.#record('attempt', spec.operation, outcome, performance.now() - started, span);
      span.end();
    }
  }

  #outcomeOf(error: unknown, signal: AbortSignal): Outcome {
    return boundedOutcome(classifyFailure(error, signal, this.policies.sheet.classify).errorType);
  }

  #record(kind: 'call' | 'attempt', operation: Operation, outcome: Outcome, durationMs: number, span: Span): void {
    const labels = { ...this.policies.labels, operation, outcome };
    const [counter, histogram] =
      kind === 'call'
        ? [this.#metrics.dependencyCalls, this.#metrics.dependencyCallDuration]
        : [this.#metrics.dependencyAttempts, this.#metrics.dependencyAttemptDuration];
    counter.inc(labels);
    observeWithExemplar(histogram, labels, durationMs / 1000, traceIdsOf(span) as Record<string, string> | undefined);
  }
}
