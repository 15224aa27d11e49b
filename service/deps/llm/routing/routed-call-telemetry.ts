/**
 * The telemetry of one routed LLM call, as for every dependency call: one `llm <operation>` span
 * (attempts, outcome, the provider and model that served it, fallback, hedged) and
 * levee_dependency_calls_total / _call_duration_seconds with the provider that ended it, plus the
 * routing metrics (levee_llm_routed_calls_total, levee_llm_fallbacks_total).
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { classifyFailure } from '../../../resilience/classification.ts';
import { boundedOutcome, type Outcome } from '../../../resilience/outcomes.ts';
import { observeWithExemplar, type Metrics } from '../../../telemetry/metrics.ts';
import { SPAN_ATTRIBUTE } from '../../../telemetry/names.ts';
import { traceIdsOf, tracer } from '../../../telemetry/tracing.ts';
import { classifyLlmFailure } from '../errors.ts';
import type { LlmOperation } from '../policies.ts';
import type { Deployment } from './deployment.ts';
import type { Route } from './routing-table.ts';

/** What served a call: the headers `X-Levee-Provider`, `X-Levee-Model`, `X-Levee-Attempts` and the access log say it. */
export interface Served {
  provider: string;
  /** The provider's model name. */
  model: string;
  /** Upstream attempts across deployments, hedges included. */
  attempts: number;
  /** The fallback model that answered, when not the one asked for. */
  fallbackModel?: string;
}

export interface Choice {
  deployment: Deployment;
  route: Route;
}

/** What the routing loop has done so far, for the span and metrics whatever the outcome. */
export interface Progress {
  attempts: number;
  last: Choice | undefined;
  hedged: boolean;
}

export async function withCallTelemetry<R>(
  spec: { operation: LlmOperation; chain: readonly Route[] },
  signal: AbortSignal,
  metrics: Metrics,
  progress: Progress,
  route: () => Promise<{ result: R } & Choice>,
): Promise<{ result: R; served: Served }> {
  const requested = spec.chain[0]!;
  const span = tracer.startSpan(`llm ${spec.operation}`, {
    kind: SpanKind.INTERNAL,
    attributes: { [SPAN_ATTRIBUTE.dependency]: 'llm', [SPAN_ATTRIBUTE.operation]: spec.operation, [SPAN_ATTRIBUTE.genAiRequestModel]: requested.label },
  });
  const started = performance.now();
  return context.with(trace.setSpan(context.active(), span), async () => {
    let outcome: Outcome = 'success';
    try {
      const routed = await route();
      const served: Served = {
        provider: routed.deployment.provider.id,
        model: routed.deployment.model,
        attempts: progress.attempts,
        ...(routed.route !== requested ? { fallbackModel: routed.route.name } : {}),
      };
      if (routed.route !== requested) metrics.fallbacks.inc({ model: requested.label, fallback_model: routed.route.label });
      return { result: routed.result, served };
    } catch (error) {
      outcome = boundedOutcome(classifyFailure(error, signal, classifyLlmFailure).errorType);
      span.setAttribute(SPAN_ATTRIBUTE.errorType, outcome);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      const last = progress.last;
      span.setAttributes({
        [SPAN_ATTRIBUTE.attempts]: progress.attempts,
        [SPAN_ATTRIBUTE.outcome]: outcome,
        [SPAN_ATTRIBUTE.hedged]: progress.hedged,
        ...(last
          ? {
              [SPAN_ATTRIBUTE.provider]: last.deployment.provider.id,
              [SPAN_ATTRIBUTE.genAiResponseModel]: last.deployment.modelLabel,
              [SPAN_ATTRIBUTE.breakerState]: last.deployment.provider.policies.breaker.state,
            }
          : {}),
        ...(last && last.route !== requested ? { [SPAN_ATTRIBUTE.fallbackModel]: last.route.label } : {}),
      });
      const provider = last?.deployment.provider.id ?? requested.deployments[0]?.provider.id;
      const labels = { dependency: 'llm', ...(provider ? { provider } : {}), operation: spec.operation, outcome };
      metrics.dependencyCalls.inc(labels);
      observeWithExemplar(metrics.dependencyCallDuration, labels, (performance.now() - started) / 1000, traceIdsOf(span) as Record<string, string> | undefined);
      if (last) metrics.routedCalls.inc({ operation: spec.operation, model: requested.label, provider: last.deployment.provider.id, upstream_model: last.deployment.modelLabel, outcome });
      span.end();
    }
  });
}
