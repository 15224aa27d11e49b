/**
 * One dependency (`llm/<provider>`, `postgres`, `redis`) as the ops console shows it, read from its
 * live policies: bulkhead use, each operation's adaptive timeout against its floor and ceiling,
 * the 429 gate, and the outgoing quota's headroom. Only what the policies know; nothing estimated.
 */
import type { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import type { QuotaSnapshot } from '../../resilience/outgoing-quota.ts';

interface TimeoutReport {
  /** The longest timeout any of the operation's models runs under now (its default before any call). */
  current_ms: number;
  floor_ms: number;
  ceiling_ms: number;
}

interface QuotaReport {
  requests_per_minute: { limit: number; left: number | null } | null;
  tokens_per_minute: { limit: number; left: number | null } | null;
  concurrency: { limit: number; in_use: number | null } | null;
}

export interface DependencyReport {
  name: string;
  kind: string;
  provider?: string;
  /** The breaker's name in `breakers`, or null when it is not registered there. */
  breaker: string | null;
  bulkhead: { active: number; queued: number; capacity: number };
  timeouts: Record<string, TimeoutReport>;
  rate_limited_for_ms: number;
  /** Null when no outgoing quota is set. */
  quota: QuotaReport | null;
}

export async function reportDependency(policies: DependencyPolicies<string>, registered: ReadonlySet<string>, signal: AbortSignal): Promise<DependencyReport> {
  const { bulkhead } = policies;
  return {
    name: policies.name,
    kind: policies.dependency,
    ...(policies.provider === undefined ? {} : { provider: policies.provider }),
    breaker: registered.has(policies.name) ? policies.name : null,
    bulkhead: { active: bulkhead.active, queued: bulkhead.queued, capacity: bulkhead.capacity },
    timeouts: Object.fromEntries([...policies.timeouts].map(([operation, timeout]) => {
      const { floorMs, ceilingMs, defaultMs } = policies.sheet.timeouts[operation]!;
      const current = timeout.entries().map(([, policy]) => policy.tracker.current().timeoutMs);
      return [operation, { current_ms: Math.round(current.length === 0 ? defaultMs : Math.max(...current)), floor_ms: floorMs, ceiling_ms: ceilingMs }];
    })),
    rate_limited_for_ms: Math.round(policies.gate.remainingMs()),
    quota: policies.quota ? quotaReport(await policies.quota.snapshot(signal)) : null,
  };
}

/** A dimension set to 0 is unlimited: null. */
function quotaReport(snapshot: QuotaSnapshot): QuotaReport {
  return {
    requests_per_minute: snapshot.requests_per_minute > 0 ? { limit: snapshot.requests_per_minute, left: snapshot.requests_available } : null,
    tokens_per_minute: snapshot.tokens_per_minute > 0 ? { limit: snapshot.tokens_per_minute, left: snapshot.tokens_available } : null,
    concurrency: snapshot.concurrent > 0 ? { limit: snapshot.concurrent, in_use: snapshot.leases_in_use } : null,
  };
}
