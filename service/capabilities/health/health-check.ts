/**
 * The health-check capability: what each dependency (or local prerequisite) reports to the health
 * endpoints. Implementations sit beside this file, one per dependency (llm, postgres, redis); the
 * composition root registers them with the HealthService (features/health/).
 */

export type CheckStatus = 'ok' | 'degraded' | 'down';

export interface HealthCheck {
  /** The dependency or prerequisite name, e.g. `llm`, `postgres`, `redis`. */
  name: string;
  /** `prerequisite`: the replica cannot serve without it, so it gates readiness. `dependency`: reported only. */
  kind: 'prerequisite' | 'dependency';
  /** Resolves with details, or rejects when unhealthy; must honour the signal. */
  check(signal: AbortSignal): Promise<CheckDetails | void>;
}

export interface CheckDetails {
  /** `degraded` for a dependency that answers but is impaired (e.g. a breaker open). */
  status?: CheckStatus;
  [detail: string]: unknown;
}
