/**
 * The LLM dependency as the features see it: chat (JSON and streamed), embeddings and models.
 * Each call is routed across the public model's deployments (and, for chat, its fallbacks) by
 * routing/routed-calls.ts, every attempt under its provider's policies. Errors leave here
 * already translated for the client (LeveeError); what served a call is reported to `served`.
 */
import { LeveeError } from '../../errors.ts';
import type { BulkheadLease } from '../../resilience/bulkhead.ts';
import { classifyFailure } from '../../resilience/classification.ts';
import { AttemptTimeoutError } from '../../resilience/errors.ts';
import { observeWithExemplar, type Metrics } from '../../telemetry/metrics.ts';
import { LABEL } from '../../telemetry/names.ts';
import { activeTraceIds } from '../../telemetry/tracing.ts';
import { classifyLlmFailure, llmFailureToLevee } from './errors.ts';
import { EventStreamReader } from './event-stream.ts';
import type { Deployment } from './routing/deployment.ts';
import type { Served } from './routing/routed-call-telemetry.ts';
import type { RoutedCalls, RoutedCallSpec } from './routing/routed-calls.ts';
import type { Route, RoutingTable } from './routing/routing-table.ts';

export type { Served } from './routing/routed-call-telemetry.ts';

/** Receives what served a call (a batched request reports once per upstream call). */
export type ServedReport = (served: Served) => void;

/** A request body as the client sent it: known fields validated, unknown ones passed through. */
export type LlmRequest = Record<string, unknown> & { model: string };

export interface StreamEvent {
  /** The event's data, exactly as the provider sent it. */
  data: string;
  /** A usage-only chunk (`choices: []`), which only clients that asked for usage get. */
  usageOnly: boolean;
}

export interface ChatStream {
  /** The first event: it arrived before any byte went to the client, so retries were still possible. Undefined for an empty stream. */
  first: StreamEvent | undefined;
  /**
   * The events after it, in batches of what arrived together (to leave together); rejects with a
   * LeveeError when the stream breaks, and releases its slot when done.
   */
  rest: AsyncIterable<StreamEvent[]>;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export interface LlmGatewayOptions {
  /** The routing in force; a reload swaps it, and each call reads it once. */
  table: () => RoutingTable;
  routed: RoutedCalls;
  metrics: Metrics;
  /** A stream ends after this long, however lively. */
  maxStreamDurationMs: number;
}


/** A chunk whose usage is an object (not null): the one with the stream's token counts. */
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
export class LlmGateway {
  readonly #options: LlmGatewayOptions;

  constructor(options: LlmGatewayOptions) {
    this.#options = options;
  }

  chatCompletion(request: LlmRequest, signal: AbortSignal, served?: ServedReport): Promise<Record<string, unknown>> {
    return this.#postJson('chat', '/chat/completions', request, signal, served);
  }

  /**
   * Opens a stream and waits for its first event under the policies (so early failures are
   * retried and answered as ordinary HTTP errors). Usage is always requested upstream, for
   * token metrics; the caller hides the usage chunk from clients that did not ask for it.
   */
  async chatCompletionStream(request: LlmRequest, signal: AbortSignal, served?: ServedReport): Promise<ChatStream> {
    const table = this.#options.table();
    const chain = this.#chain(table, request.model, 'chat');
    const streamOptions = typeof request.stream_options === 'object' && request.stream_options !== null ? request.stream_options : {};
    const started = performance.now();
    const spec: RoutedCallSpec = { operation: 'chat_stream', chain, attemptSpanName: 'POST /chat/completions', hedge: false };
    let opened: { value: { reader: EventStreamReader; first: StreamEvent | undefined; deployment: Deployment }; lease: BulkheadLease; served: Served };
    try {
      // A stream falls back only while nothing has reached the client: the first event is read inside the attempt.
      opened = await this.#options.routed.runHoldingSlot(spec, signal, async (deployment, { signal: attemptSignal, span, timeoutMs, observe }) => {
        const upstreamRequest = { ...request, model: deployment.model, stream: true, stream_options: { ...streamOptions, include_usage: true } };
        const body = await deployment.provider.client.openEventStream('/chat/completions', upstreamRequest, attemptSignal, span, observe);
        const reader = new EventStreamReader(body);
        try {
          // The attempt's own timeout cuts this wait; the margin only keeps the reader's timer out of its way.
          const data = await reader.next(timeoutMs + 1_000);
          return { reader, first: data === undefined ? undefined : this.#event(data, chain[0]!, deployment), deployment };
        } catch (error) {
          reader.close();
          throw error;
        }
      });
    } catch (error) {
      throw llmFailureToLevee(error);
    }
    const { reader, first, deployment } = opened.value;
    deployment.provider.catalog.learn(deployment.model);
    served?.(opened.served);
    observeWithExemplar(this.#options.metrics.timeToFirstToken, { model: chain[0]!.label }, (performance.now() - started) / 1000, activeTraceIds() as Record<string, string> | undefined);
    if (!first) {
      // The provider ended the stream at once: nothing to relay but the end.
      reader.close();
      opened.lease.release();
      return { first: undefined, rest: (async function* () {})() };
    }
    return { first, rest: this.#rest(reader, chain[0]!, deployment, opened.lease, started, signal) };
  }

  embeddings(request: LlmRequest, signal: AbortSignal, served?: ServedReport): Promise<Record<string, unknown>> {
    return this.#postJson('embeddings', '/embeddings', request, signal, served);
  }

  /** One JSON call routed across deployments; teaches the provider's catalog the model and records token usage. */
  async #postJson(operation: 'chat' | 'embeddings', path: string, request: LlmRequest, signal: AbortSignal, served?: ServedReport): Promise<Record<string, unknown>> {
    const table = this.#options.table();
    const chain = this.#chain(table, request.model, operation);
    const route = chain[0]!;
    // Embeddings are idempotent; chat only where its model opts in.
    const spec: RoutedCallSpec = { operation, chain, attemptSpanName: `POST ${path}`, hedge: route.hedge.enabled };
    try {
      const { value, served: report } = await this.#options.routed.run(spec, signal, async (deployment, { signal: attemptSignal, span, observe }) => ({
        body: await deployment.provider.client.postJson<Record<string, unknown>>(path, { ...request, model: deployment.model }, attemptSignal, span, observe),
        deployment,
      }));
      value.deployment.provider.catalog.learn(value.deployment.model);
      this.#recordUsage(operation, route, value.deployment, value.body.usage as Usage | undefined);
      served?.(report);
      return value.body;
    } catch (error) {
      throw llmFailureToLevee(error);
    }
  }

  /** The models file's public names; with a catch-all provider, that provider's own list under its policies. */
  async listModels(signal: AbortSignal): Promise<{ data?: Array<{ id?: unknown }> } & Record<string, unknown>> {
    const table = this.#options.table();
    const provider = table.catchAllProvider;
    if (!provider) {
      return { object: 'list', data: table.publicModels().map(({ name }) => ({ id: name, object: 'model', created: 0, owned_by: 'levee' })) };
    }
    try {
      const spec = { operation: 'models' as const, model: '_all', attemptSpanName: 'GET /models' };
      const body = await provider.calls.run(spec, signal, ({ signal: attemptSignal, span }) =>
        provider.client.getJson<{ data?: Array<{ id?: unknown }> } & Record<string, unknown>>('/models', attemptSignal, span),
      );
      for (const entry of body.data ?? []) if (typeof entry.id === 'string') provider.catalog.learn(entry.id);
      return body;
    } catch (error) {
      throw llmFailureToLevee(error);
    }
  }

  /** The model asked for and its fallbacks; 404 model_not_found when nothing serves it. */
  #chain(table: RoutingTable, model: string, kind: Route['kind']): Route[] {
    const route = table.resolve(model, kind);
    if (!route) throw new LeveeError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, { param: 'model' });
    if (route.kind !== kind) {
      throw new LeveeError('invalid_request', `The model \`${model}\` is ${route.kind === 'chat' ? 'a chat' : 'an embeddings'} model.`, { param: 'model' });
    }
    return table.chain(route);
  }

  async *#rest(reader: EventStreamReader, route: Route, deployment: Deployment, lease: BulkheadLease, started: number, signal: AbortSignal): AsyncGenerator<StreamEvent[], void, undefined> {
    const { policies } = deployment.provider;
    const idle = policies.idleTimeout?.forKey(deployment.modelLabel).tracker;
    const endsAt = started + this.#options.maxStreamDurationMs;
    let last = performance.now();
    try {
      for (;;) {
        const leftMs = endsAt - performance.now();
        if (leftMs <= 0) throw new AttemptTimeoutError(this.#options.maxStreamDurationMs);
        const idleMs = idle?.current().timeoutMs ?? leftMs;
        let batch: string[] | undefined;
        try {
          batch = await reader.nextBatch(Math.min(idleMs, leftMs));
        } catch (error) {
          if (error instanceof AttemptTimeoutError && idleMs <= leftMs) idle?.recordTimeout(idleMs);
          throw error;
        }
        if (batch === undefined) return;
        const now = performance.now();
        idle?.recordSuccess(now - last);
        last = now;
        yield batch.map((data) => this.#event(data, route, deployment));
      }
    } catch (error) {
      // A stream that breaks after its first chunk is still the provider failing; a client leaving is not.
      if (classifyFailure(error, signal, classifyLlmFailure).breaker === 'failure') policies.breaker.recordFailure(error);
      throw llmFailureToLevee(error);
    } finally {
      reader.close();
      lease.release();
    }
  }

  #event(data: string, route: Route, deployment: Deployment): StreamEvent {
    // With include_usage every chunk carries `"usage":null` and only the last one an object: only
    // that one is parsed.
    if (!USAGE_OBJECT.test(data)) return { data, usageOnly: false };
    try {
      const chunk = JSON.parse(data) as { usage?: Usage | null; choices?: unknown[] };
      if (!chunk.usage) return { data, usageOnly: false };
      this.#recordUsage('chat', route, deployment, chunk.usage);
      return { data, usageOnly: Array.isArray(chunk.choices) && chunk.choices.length === 0 };
    } catch {
      return { data, usageOnly: false };
    }
  }

  /** Token metrics, and the debit against the outgoing token quota (which only usage can tell). */
  #recordUsage(operation: string, route: Route, deployment: Deployment, usage: Usage | undefined): void {
    if (!usage) return;
    const model = route.label;
    const { prompt_tokens: prompt = 0, completion_tokens: completion = 0, total_tokens: total } = usage;
    deployment.provider.policies.quota?.recordTokens(typeof total === 'number' ? total : Number(prompt) + Number(completion));
    const { tokenUsage } = this.#options.metrics;
    if (typeof usage.prompt_tokens === 'number') tokenUsage.observe({ [LABEL.genAiOperation]: operation, [LABEL.model]: model, [LABEL.tokenType]: 'input' }, usage.prompt_tokens);
    if (typeof usage.completion_tokens === 'number') tokenUsage.observe({ [LABEL.genAiOperation]: operation, [LABEL.model]: model, [LABEL.tokenType]: 'output' }, usage.completion_tokens);
  }

}
