/**
 * The rate-limit capability: counts requests per identity in fixed windows and says whether each
 * is within its limit. Implementation: scope-rate-limit.ts (shared by the fleet through Redis,
 * with an in-memory count of this replica's share while Redis is away, or in memory alone).
 */

export type RateLimitScope = 'key' | 'ip';

/** Every window lasts this long. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

export interface RateLimitDecision {
  scope: RateLimitScope;
  allowed: boolean;
  /** Requests allowed in the window (the local share while Redis is unavailable). */
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Milliseconds until the window ends and the count starts again. */
  resetMs: number;
  /** Whether the count came from Redis (the fleet's) or from this replica alone. */
  shared: boolean;
}

export interface RateLimit {
  readonly scope: RateLimitScope;
  /** Requests per identity per window; 0: off. */
  readonly perMinute: number;
  readonly enabled: boolean;
  /** Counts one request by `identity` and says whether it is within the limit. */
  consume(identity: string, signal?: AbortSignal): Promise<RateLimitDecision>;
}

/** Per client key (RATE_LIMIT_KEY_PER_MIN) and per client IP (RATE_LIMIT_IP_PER_MIN). */
export interface InboundRateLimits {
  key: RateLimit;
  ip: RateLimit;
}
