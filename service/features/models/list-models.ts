/** The provider's model list, passed through (it also teaches the model catalog its labels). */
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';

export function listModels(llm: LlmGateway, signal: AbortSignal): Promise<Record<string, unknown>> {
  return llm.listModels(signal);
}
