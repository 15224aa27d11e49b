/**
 * The capabilities that share state through Redis, by the name `levee_shared_state_degraded{feature}`
 * and /health/detailed give them. The composition root registers them all with Redis's degradation
 * tracker, so every series exists (at 0) before its first fallback. A new Redis-backed capability
 * adds its name here and passes it to `RedisDependency.attempt`.
 */
export const SHARED_FEATURE = {
  circuitBreakers: 'circuit_breakers',
  rateLimits: 'rate_limits',
  quotas: 'quotas',
  caches: 'caches',
  conversations: 'conversations',
  idempotency: 'idempotency',
} as const;

export const SHARED_FEATURES: readonly string[] = Object.values(SHARED_FEATURE);
