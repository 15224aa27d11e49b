/**
 * Inbound rate limits as the /v1 guards apply them: what a decision says in the `RateLimit-*`
 * header fields (IETF draft), and the 429 `rate_limit_exceeded` a spent window gets. The counting
 * itself is the rate-limits capability's (capabilities/rate-limits/).
 */
import { RATE_LIMIT_WINDOW_SECONDS, type RateLimitDecision } from '../../capabilities/rate-limits/rate-limit.ts';
import { LeveeError, retryAfterHeader } from '../../errors.ts';

export type { InboundRateLimits, RateLimit, RateLimitDecision } from '../../capabilities/rate-limits/rate-limit.ts';

const SCOPE_NAMES = { key: 'client key', ip: 'IP address' } as const;

/** The header fields reporting a decision. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
    'RateLimit-Policy': `${decision.limit};w=${RATE_LIMIT_WINDOW_SECONDS}`,
  };
}

/** The answer to a request over its limit, with Retry-After. */
export function rateLimitExceeded(decision: RateLimitDecision): LeveeError {
  return new LeveeError(
    'rate_limit_exceeded',
    `Rate limit reached for requests per ${SCOPE_NAMES[decision.scope]}: ${decision.limit} per minute. Retry after the time in Retry-After.`,
    { headers: retryAfterHeader(decision.resetMs), details: { scope: decision.scope, shared: decision.shared } },
  );
}
