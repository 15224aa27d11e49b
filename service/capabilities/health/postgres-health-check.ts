/**
 * The vector store's entry in /health/detailed: embedded or external, started or not, its breaker
 * and pool, and a `SELECT 1` once started. The embedded server starts on first use, so "not
 * started yet" is healthy; a failed start is down. Never a readiness gate.
 */
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import type { HealthCheck } from './health-check.ts';

export function postgresHealthCheck(postgres: PostgresDependency): HealthCheck {
  return {
    name: 'postgres',
    kind: 'dependency',
    check: async (signal) => {
      const { mode, upstream, started, startFailed, pool } = postgres.status();
      const details = { mode, upstream, started, circuit_breaker: postgres.policies.breaker.state, pool };
      if (!started) return mode === 'embedded' && !startFailed ? details : { ...details, status: 'down' as const };
      await postgres.ping(signal);
      return { ...details, status: postgres.policies.breaker.state === 'closed' ? ('ok' as const) : ('degraded' as const) };
    },
  };
}
