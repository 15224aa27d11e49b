/**
 * Which shared-state features currently run on local state because Redis failed them, shown in
 * a gauge (`levee_shared_state_degraded{feature}`), one log line per change, and /health/detailed.
 * A feature is degraded from its first fallback until its next successful Redis operation.
 *
 * The feature names are the callers' (capabilities/shared-features.ts lists Levee's); names given
 * up front have their series at 0 from the start, others appear on first use.
 */
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';

interface FeatureState {
  degradedSince: number | undefined;
  lastError: string | undefined;
}

export interface FeatureSnapshot {
  mode: 'shared' | 'local';
  degraded_since: string | null;
  last_error: string | null;
}

export class Degradation {
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #features = new Map<string, FeatureState>();

  constructor(metrics: Metrics, logger: Logger, features: readonly string[] = []) {
    this.#metrics = metrics;
    this.#logger = logger;
    for (const feature of features) this.#state(feature);
  }

  get anyDegraded(): boolean {
    return [...this.#features.values()].some((state) => state.degradedSince !== undefined);
  }

  /** A feature used local state instead of Redis; `reason` is a bounded error class, never a message with data. */
  fellBack(feature: string, reason: string): void {
    this.#metrics.sharedStateFallbacks.inc({ feature });
    const state = this.#state(feature);
    state.lastError = reason;
    if (state.degradedSince !== undefined) return;
    state.degradedSince = Date.now();
    this.#metrics.sharedStateDegraded.set({ feature }, 1);
    this.#logger.warn({ feature, reason }, 'shared state degraded: this replica uses local state for the feature');
  }

  /** A feature's Redis operation succeeded. Cheap when nothing changes: it runs on every call. */
  succeeded(feature: string): void {
    const state = this.#state(feature);
    if (state.degradedSince === undefined) return;
    const degradedMs = Date.now() - state.degradedSince;
    state.degradedSince = undefined;
    this.#metrics.sharedStateDegraded.set({ feature }, 0);
    this.#logger.info({ feature, degraded_ms: degradedMs }, 'shared state restored');
  }

  snapshot(): Record<string, FeatureSnapshot> {
    return Object.fromEntries(
      [...this.#features].map(([feature, state]) => [
        feature,
        {
          mode: state.degradedSince === undefined ? 'shared' : 'local',
          degraded_since: state.degradedSince === undefined ? null : new Date(state.degradedSince).toISOString(),
          last_error: state.lastError ?? null,
        },
      ]),
    );
  }

  /** The feature's state, registered (with its series at 0) on first sight. */
  #state(feature: string): FeatureState {
    let state = this.#features.get(feature);
    if (!state) {
      state = { degradedSince: undefined, lastError: undefined };
      this.#features.set(feature, state);
      this.#metrics.sharedStateDegraded.set({ feature }, 0);
      this.#metrics.sharedStateFallbacks.inc({ feature }, 0);
    }
    return state;
  }
}
