/**
 * Which shared-state features currently run on local state because Redis failed them, shown in
 * a gauge (`levee_shared_state_degraded{feature}`), one log line per change, and /health/detailed.
 * A feature is degraded from its first fallback until its next successful Redis operation.
 */
import type { Logger } from '../../telemetry/logger.ts';
import type { Metrics } from '../../telemetry/metrics.ts';

export const SHARED_FEATURES = ['circuit_breakers', 'rate_limits', 'quotas', 'caches', 'conversations', 'idempotency'] as const;
export type SharedFeature = (typeof SHARED_FEATURES)[number];

interface FeatureState {
  degradedSince: number | undefined;
  lastError: string | undefined;
}

export class Degradation {
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #features = new Map<SharedFeature, FeatureState>();

  constructor(metrics: Metrics, logger: Logger) {
    this.#metrics = metrics;
    this.#logger = logger;
    for (const feature of SHARED_FEATURES) {
      this.#features.set(feature, { degradedSince: undefined, lastError: undefined });
      metrics.sharedStateDegraded.set({ feature }, 0);
      metrics.sharedStateFallbacks.inc({ feature }, 0);
    }
  }

  get anyDegraded(): boolean {
    return [...this.#features.values()].some((state) => state.degradedSince !== undefined);
  }

  /** A feature used local state instead of Redis; `reason` is a bounded error class, never a message with data. */
  fellBack(feature: SharedFeature, reason: string): void {
    this.#metrics.sharedStateFallbacks.inc({ feature });
    const state = this.#features.get(feature)!;
    state.lastError = reason;
    if (state.degradedSince !== undefined) return;
    state.degradedSince = Date.now();
    this.#metrics.sharedStateDegraded.set({ feature }, 1);
    this.#logger.warn({ feature, reason }, 'shared state degraded: this replica uses local state for the feature');
  }

  /** A feature's Redis operation succeeded. Cheap when nothing changes: it runs on every call. */
  succeeded(feature: SharedFeature): void {
    const state = this.#features.get(feature)!;
    if (state.degradedSince === undefined) return;
    const degradedMs = Date.now() - state.degradedSince;
    state.degradedSince = undefined;
    this.#metrics.sharedStateDegraded.set({ feature }, 0);
    this.#logger.info({ feature, degraded_ms: degradedMs }, 'shared state restored');
  }

  snapshot(): Record<SharedFeature, { mode: 'shared' | 'local'; degraded_since: string | null; last_error: string | null }> {
    return Object.fromEntries(
      [...this.#features].map(([feature, state]) => [
        feature,
        {
          mode: state.degradedSince === undefined ? 'shared' : 'local',
          degraded_since: state.degradedSince === undefined ? null : new Date(state.degradedSince).toISOString(),
          last_error: state.lastError ?? null,
        },
      ]),
    ) as never;
  }
}
