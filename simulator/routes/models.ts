/**
 * GET /v1/models and GET /v1/models/:id: the catalogue the simulator answers for, in OpenAI's list
 * shape. Clients use it as a cheap liveness and credentials probe. By default the simulator lists
 * a few well-known models and accepts any model name; started with a `models` list (one simulator
 * per provider in multi-provider tests) it lists exactly those and refuses every other model with
 * OpenAI's 404 `model_not_found`.
 */
import type { Exchange } from '../exchange.ts';

/** The models listed when none are configured. The simulator then answers any model name. */
const DEFAULT_MODELS = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'] as const;

/** A fixed creation time (2024-05-13) so the listing is byte-stable across runs. */
const CREATED = 1715558400;

export class ModelCatalogue {
  readonly #ids: ReadonlySet<string>;
  /** False when no list was configured: every model name is served. */
  readonly #strict: boolean;
  readonly #listJson: string;

  constructor(configured: readonly string[] | undefined) {
    this.#strict = configured !== undefined;
    this.#ids = new Set(configured ?? DEFAULT_MODELS);
    const data = [...this.#ids].map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'levee-simulator' }));
    this.#listJson = JSON.stringify({ object: 'list', data });
  }

  /** Whether chat and embeddings requests for `model` are served. */
  serves(model: string): boolean {
    return !this.#strict || this.#ids.has(model);
  }

  /** Answers the listing, or one model when `id` is given (404 in OpenAI's shape if unlisted). */
  handle(exchange: Exchange, id: string | undefined): void {
    if (id === undefined) return exchange.sendJson(200, this.#listJson);
    if (!this.#ids.has(id)) {
      return exchange.sendError(404, { message: `The model '${id}' does not exist`, param: 'model', code: 'model_not_found' });
    }
    exchange.sendJson(200, JSON.stringify({ id, object: 'model', created: CREATED, owned_by: 'levee-simulator' }));
  }
}

/** Answers a chat or embeddings request for a model the catalogue does not serve, as OpenAI does. */
export function rejectUnknownModel(exchange: Exchange, model: string): void {
  exchange.sendError(404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    param: null,
    code: 'model_not_found',
  });
}

/** Checks a `models` option: at least one id, none empty, no duplicates. Throws RangeError. */
export function checkModels(models: readonly string[]): string[] {
  if (models.length === 0) throw new RangeError('models must list at least one model id when set');
  const seen = new Set<string>();
  for (const id of models) {
    if (typeof id !== 'string' || id.trim() !== id || id.length === 0 || id.length > 256) {
      throw new RangeError(`models: ${JSON.stringify(id)} is not a model id (1-256 characters, no surrounding spaces)`);
    }
    if (seen.has(id)) throw new RangeError(`models: ${id} is listed twice`);
    seen.add(id);
  }
  return [...seen];
}
