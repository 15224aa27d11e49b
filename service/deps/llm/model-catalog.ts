/**
 * Model names come from clients, so they cannot be metric labels or timeout keys as they are.
 * A model becomes "known" (its own label and adaptive timeout) once the provider lists it or
 * answers a call for it; anything else is `_other`. Bounded either way.
 */
import { OVERFLOW_KEY } from '../../resilience/adaptive-timeout.ts';

const MAX_KNOWN_MODELS = 64;

export class ModelCatalog {
  readonly #known = new Set<string>();

  /** The label and timeout key for a requested model. */
  labelFor(model: string): string {
    return this.#known.has(model) ? model : OVERFLOW_KEY;
  }

  /** The provider listed it, or answered a call for it. */
  learn(model: string): void {
    if (this.#known.size < MAX_KNOWN_MODELS && model.length <= 128) this.#known.add(model);
  }
}
