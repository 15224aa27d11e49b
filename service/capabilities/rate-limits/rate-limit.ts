/**
 * The rate-limit capability: counts requests per identity against policies (config/rate-limits.ts)
 * in sliding windows, and says whether each request is within them. Implementation:
 * sliding-window-rate-limits.ts (shared by the fleet through Redis, with an in-memory count of
 * this replica's share while Redis is away, or in memory alone).
 */
import type { RateLimitPolicy } from '../../config/rate-limits.ts';

export type { RateLimitPolicy } from '../../config/rate-limits.ts';

/** One policy applied to one request: who is counted. */
export interface RateLimitCheck {
  policy: RateLimitPolicy;
  /** The client key's name or the client IP, per the policy's scope. */
  identity: string;
}

export interface RateLimitDecision {
  policy: RateLimitPolicy;
  /** Whether this policy admits the request; it is counted only when every policy checked with it does. */
  allowed: boolean;
  /** Requests allowed per window (the local share while Redis is unavailable). */
  limit: number;
  /** Requests that would still be admitted now, after this one. */
  remaining: number;
  /**
   * With requests remaining: milliseconds until the current window ends. With none: until the
   * next request would be admitted (the Retry-After of a refusal).
   */
  resetMs: number;
  /** Whether the count came from Redis (the fleet's) or from this replica alone. */
  shared: boolean;
}

export interface InboundRateLimits {
  /** Every policy in force, in configuration order; empty: no limits. */
  readonly policies: readonly RateLimitPolicy[];
  /**
   * Counts one request against every check, all or none: if any policy refuses it, none counts it.
   * One decision per check, in order.
   */
  consume(checks: readonly RateLimitCheck[], signal?: AbortSignal): Promise<RateLimitDecision[]>;
}
