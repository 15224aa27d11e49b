/**
 * Inbound rate limits as the /v1 guards apply them: which of several decisions the `RateLimit-*`
 * header fields (IETF draft) report, what they say, and the 429 `rate_limit_exceeded` a spent
 * policy gets. The counting itself is the rate-limits capability's (capabilities/rate-limits/).
 */
import type { RateLimitDecision, RateLimitPolicy } from '../../capabilities/rate-limits/rate-limit.ts';
import { windowInUnits, type WindowUnit } from '../../config/rate-limits.ts';
import { LeveeError, retryAfterHeader } from '../../errors.ts';

export type { InboundRateLimits, RateLimitDecision, RateLimitPolicy } from '../../capabilities/rate-limits/rate-limit.ts';

const SCOPE_NAMES = { key: 'client key', ip: 'IP address' } as const;

/** Whether `candidate` is the one to report instead of `reported`: a refusal, then the fewest left, then the longest wait. */
export function isTighter(candidate: RateLimitDecision, reported: RateLimitDecision | undefined): boolean {
  if (!reported) return true;
  if (candidate.allowed !== reported.allowed) return !candidate.allowed;
  if (candidate.remaining !== reported.remaining) return candidate.remaining < reported.remaining;
  return candidate.resetMs > reported.resetMs;
}

/** The header fields reporting a decision. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
    'RateLimit-Policy': `${decision.limit};w=${decision.policy.windowSeconds}`,
  };
}

/** The answer to a request a policy refused, with Retry-After. */
export function rateLimitExceeded(decision: RateLimitDecision): LeveeError {
  const { policy } = decision;
  return new LeveeError(
    'rate_limit_exceeded',
    `Rate limit reached for ${routesName(policy)} per ${SCOPE_NAMES[policy.scope]}: ${decision.limit} per ${windowName(policy.windowSeconds)}. Retry after the time in Retry-After.`,
    { headers: retryAfterHeader(decision.resetMs), details: { policy: policy.name, scope: policy.scope, shared: decision.shared } },
  );
}

function routesName(policy: RateLimitPolicy): string {
  if (policy.routes === 'all') return 'requests';
  if (policy.routes === 'ai') return 'AI requests';
  return `${policy.routes} requests`;
}

const UNIT_NAMES: Record<WindowUnit, string> = { d: 'day', h: 'hour', m: 'minute', s: 'second' };

/** `hour`, `10 seconds`, `90 seconds`: the window in the largest unit that divides it. */
function windowName(seconds: number): string {
  const { count, unit } = windowInUnits(seconds);
  return count === 1 ? UNIT_NAMES[unit] : `${count} ${UNIT_NAMES[unit]}s`;
}
