/**
 * The LLM dependency as the features see it: chat (JSON and streamed), embeddings and models,
 * each call run through the LLM's policies and instrumented per attempt. Errors leave here
 * already translated for the client (LeveeError).
 */
import type { Attributes } from '@opentelemetry/api';
import type { BulkheadLease } from '../../resilience/bulkhead.ts';
import { classifyFailure } from '../../resilience/classification.ts';
import type { InstrumentedCalls } from '../../resilience/instrumented-calls.ts';
import { AttemptTimeoutError } from '../../resilience/errors.ts';
import { observeWithExemplar, type Metrics } from '../../telemetry/metrics.ts';
import { LABEL, SPAN_ATTRIBUTE } from '../../telemetry/names.ts';
import { activeTraceIds } from '../../telemetry/tracing.ts';
import type { LlmClient } from './client.ts';
import { classifyLlmFailure, llmFailureToLevee } from './errors.ts';
import { EventStreamReader } from './event-stream.ts';
import type { ModelCatalog } from './model-catalog.ts';
import type { LlmOperation } from './policies.ts';

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
  /** The events after it; rejects with a LeveeError when the stream breaks, and releases its slot when done. */
  rest: AsyncIterable<StreamEvent>;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export interface LlmGatewayOptions {
  client: LlmClient;
  calls: InstrumentedCalls<LlmOperation>;
  catalog: ModelCatalog;
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

  chatCompletion(request: LlmRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    return this.#postJson('chat', '/chat/completions', request, signal);
  }

  /**
   * Opens a stream and waits for its first event under the policies (so early failures are
   * retried and answered as ordinary HTTP errors). Usage is always requested upstream, for
   * token metrics; the caller hides the usage chunk from clients that did not ask for it.
   */
  async chatCompletionStream(request: LlmRequest, signal: AbortSignal): Promise<ChatStream> {
    const model = this.#options.catalog.labelFor(request.model);
    const streamOptions = typeof request.stream_options === 'object' && request.stream_options !== null ? request.stream_options : {};
    const upstreamRequest = { ...request, stream: true, stream_options: { ...streamOptions, include_usage: true } };
    const started = performance.now();
    let opened: { value: { reader: EventStreamReader; first: StreamEvent | undefined }; lease: BulkheadLease };
    try {
      opened = await this.#options.calls.runHoldingSlot(this.#spec('chat_stream', model, '/chat/completions'), signal, async ({ signal: attemptSignal, span, timeoutMs }) => {
        const body = await this.#options.client.openEventStream('/chat/completions', upstreamRequest, attemptSignal, span);
        const reader = new EventStreamReader(body);
        try {
          // The attempt's own timeout cuts this wait; the margin only keeps the reader's timer out of its way.
          const data = await reader.next(timeoutMs + 1_000);
          return { reader, first: data === undefined ? undefined : this.#event(data, model) };
        } catch (error) {
          reader.close();
          throw error;
        }
      });
    } catch (error) {
      throw llmFailureToLevee(error);
    }
    this.#options.catalog.learn(request.model);
    observeWithExemplar(this.#options.metrics.timeToFirstToken, { model }, (performance.now() - started) / 1000, activeTraceIds() as Record<string, string> | undefined);
    const { reader, first } = opened.value;
    if (!first) {
      // The provider ended the stream at once: nothing to relay but the end.
      reader.close();
      opened.lease.release();
      return { first: undefined, rest: (async function* () {})() };
    }
    return { first, rest: this.#rest(reader, model, opened.lease, started, signal) };
  }

  embeddings(request: LlmRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    return this.#postJson('embeddings', '/embeddings', request, signal);
  }

  /** One JSON call under the policies; teaches the catalog the model and records token usage. */
  async #postJson(operation: 'chat' | 'embeddings', path: string, request: LlmRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    const model = this.#options.catalog.labelFor(request.model);
    try {
      const body = await this.#options.calls.run(this.#spec(operation, model, path), signal, ({ signal: attemptSignal, span }) =>
        this.#options.client.postJson<Record<string, unknown>>(path, request, attemptSignal, span),
      );
      this.#options.catalog.learn(request.model);
      this.#recordUsage(operation, model, body.usage as Usage | undefined);
      return body;
    } catch (error) {
      throw llmFailureToLevee(error);
    }
  }

  async listModels(signal: AbortSignal): Promise<{ data?: Array<{ id?: unknown }> } & Record<string, unknown>> {
    try {
      const body = await this.#options.calls.run(this.#spec('models', '_all', '/models', 'GET'), signal, ({ signal: attemptSignal, span }) =>
        this.#options.client.getJson<{ data?: Array<{ id?: unknown }> } & Record<string, unknown>>('/models', attemptSignal, span),
      );
      for (const entry of body.data ?? []) if (typeof entry.id === 'string') this.#options.catalog.learn(entry.id);
      return body;
    } catch (error) {
      throw llmFailureToLevee(error);
    }
  }

  async *#rest(reader: EventStreamReader, model: string, lease: BulkheadLease, started: number, signal: AbortSignal): AsyncGenerator<StreamEvent, void, undefined> {
    const { policies } = this.#options.calls;
    const idle = policies.idleTimeout?.forKey(model).tracker;
    const endsAt = started + this.#options.maxStreamDurationMs;
    let last = performance.now();
    try {
      for (;;) {
        const leftMs = endsAt - performance.now();
        if (leftMs <= 0) throw new AttemptTimeoutError(this.#options.maxStreamDurationMs);
        const idleMs = idle?.current().timeoutMs ?? leftMs;
        let data: string | undefined;
        try {
          data = await reader.next(Math.min(idleMs, leftMs));
        } catch (error) {
          if (error instanceof AttemptTimeoutError && idleMs <= leftMs) idle?.recordTimeout(idleMs);
          throw error;
        }
        if (data === undefined) return;
        const now = performance.now();
        idle?.recordSuccess(now - last);
        last = now;
        yield this.#event(data, model);
      }
    } catch (error) {
      // A stream that breaks after its first chunk is still the provider failing; a client leaving is not.
      if (classifyFailure(error, signal, classifyLlmFailure).breaker === 'failure') policies.breaker.recordFailure();
      throw llmFailureToLevee(error);
    } finally {
      reader.close();
      lease.release();
    }
  }

  #event(data: string, model: string): StreamEvent {
    // With include_usage every chunk carries `"usage":null` and only the last one an object: only
    // that one is parsed.
    if (!USAGE_OBJECT.test(data)) return { data, usageOnly: false };
    try {
      const chunk = JSON.parse(data) as { usage?: Usage | null; choices?: unknown[] };
      if (!chunk.usage) return { data, usageOnly: false };
      this.#recordUsage('chat', model, chunk.usage);
      return { data, usageOnly: Array.isArray(chunk.choices) && chunk.choices.length === 0 };
    } catch {
      return { data, usageOnly: false };
    }
  }

  /** Token metrics, and the debit against the outgoing token quota (which only usage can tell). */
  #recordUsage(operation: string, model: string, usage: Usage | undefined): void {
    if (!usage) return;
    const { prompt_tokens: prompt = 0, completion_tokens: completion = 0, total_tokens: total } = usage;
    this.#options.calls.policies.quota?.recordTokens(typeof total === 'number' ? total : Number(prompt) + Number(completion));
    const { tokenUsage } = this.#options.metrics;
    if (typeof usage.prompt_tokens === 'number') tokenUsage.observe({ [LABEL.genAiOperation]: operation, [LABEL.model]: model, [LABEL.tokenType]: 'input' }, usage.prompt_tokens);
    if (typeof usage.completion_tokens === 'number') tokenUsage.observe({ [LABEL.genAiOperation]: operation, [LABEL.model]: model, [LABEL.tokenType]: 'output' }, usage.completion_tokens);
  }

  #spec(operation: LlmOperation, model: string, path: string, method = 'POST') {
    const attributes: Attributes = {
      [SPAN_ATTRIBUTE.genAiSystem]: 'openai',
      [SPAN_ATTRIBUTE.genAiOperation]: operation === 'embeddings' ? 'embeddings' : operation === 'models' ? 'models' : 'chat',
      [SPAN_ATTRIBUTE.genAiRequestModel]: model,
    };
    return { operation, model, attemptSpanName: `${method} ${path}`, attributes };
  }
}
