/** The provider's model list, passed through (it also teaches the model catalog its labels). */
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';

/** What listing models runs on, wired once at start-up. */
export interface ModelsDeps {
  llm: LlmGateway;
}

export function listModels({ llm }: ModelsDeps, signal: AbortSignal): Promise<Record<string, unknown>> {
  return llm.listModels(signal);
}
