/**
 * GET /v1/models and GET /v1/models/:id: the fixed catalogue the simulator answers for, in
 * OpenAI's list shape. Clients use it as a cheap liveness and credentials probe.
 */
import type { Exchange } from '../exchange.ts';

/** The models the simulator lists. It answers any model name; these are the ones it advertises. */
const SIMULATED_MODELS = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'] as const;

/** A fixed creation time (2024-05-13) so the listing is byte-stable across runs. */
const CREATED = 1715558400;

const MODELS = SIMULATED_MODELS.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'levee-simulator' }));
const LIST_JSON = JSON.stringify({ object: 'list', data: MODELS });

/** Answers the listing, or one model when `id` is given (404 in OpenAI's shape if unknown). */
export function handleModels(exchange: Exchange, id: string | undefined): void {
  if (id === undefined) return exchange.sendJson(200, LIST_JSON);
  const model = MODELS.find((candidate) => candidate.id === id);
  if (model === undefined) {
    return exchange.sendError(404, { message: `The model '${id}' does not exist`, param: 'model', code: 'model_not_found' });
  }
  exchange.sendJson(200, JSON.stringify(model));
}
