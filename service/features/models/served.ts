/**
 * What served a call, as clients and operators see it: the provider, the provider's model and the
 * upstream attempts (`X-Levee-Provider`, `X-Levee-Model`, `X-Levee-Attempts`, the access log).
 * A request split into several upstream calls (batched embeddings) reports each; they add up.
 */
import type { Served } from '../../deps/llm/llm-gateway.ts';

export type { Served } from '../../deps/llm/llm-gateway.ts';

/** Collects the reports of one request. */
export class ServedBy {
  readonly #providers = new Set<string>();
  readonly #models = new Set<string>();
  #attempts = 0;
  #fallback: string | undefined;
  #summary: ReturnType<ServedBy['summary']>;

  readonly report = (served: Served): void => {
    this.#providers.add(served.provider);
    this.#models.add(served.model);
    this.#attempts += served.attempts;
    this.#fallback ??= served.fallbackModel;
    this.#summary = undefined;
  };

  /** Undefined until a call reported. */
  summary(): { provider: string; model: string; attempts: number; fallbackModel?: string } | undefined {
    if (this.#providers.size === 0) return undefined;
    // Asked twice per request (headers, then the access log); the calls are over by then.
    this.#summary ??= {
      provider: [...this.#providers].join(','),
      model: [...this.#models].join(','),
      attempts: this.#attempts,
      ...(this.#fallback ? { fallbackModel: this.#fallback } : {}),
    };
    return this.#summary;
  }
}
