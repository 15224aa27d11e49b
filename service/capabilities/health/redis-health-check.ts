/**
 * Redis's entry in /health/detailed: connected or not, its breaker, and which shared-state
 * features currently run on local state (what an SRE needs to see when Redis is away). A PING
 * while connected; never a readiness gate, since every feature has a local fallback.
 */
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import type { HealthCheck } from './health-check.ts';

/** `extra` adds what the fleet hub knows (live replicas). */
export function redisHealthCheck(redis: RedisDependency, extra: () => Record<string, unknown> = () => ({})): HealthCheck {
  return {
    name: 'redis',
    kind: 'dependency',
    check: async (signal) => {
      const details = {
        ...extra(),
        upstream: redis.upstreamLabel,
        connected: redis.connection.ready,
        circuit_breaker: redis.policies.breaker.state,
        features: redis.degradation.snapshot(),
      };
      // Down, with the details: which features are on local state is what an SRE needs to see.
      if (!redis.connection.ready) return { ...details, status: 'down' as const, error: 'redis unreachable: shared-state features run on local state' };
      await redis.ping(signal);
      return { ...details, status: redis.degradation.anyDegraded ? ('degraded' as const) : ('ok' as const) };
    },
  };
}
