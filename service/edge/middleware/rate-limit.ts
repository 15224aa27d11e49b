/**
 * One rate limit on one route: counts the request against its identity's window, reports the
 * tightest limit seen so far in the `RateLimit-*` headers (on every response of the route, errors
 * included), and answers 429 when the window is spent. Decisions are counted by route, scope and
 * outcome: never a key or an IP.
 */
import { rateLimitExceeded, rateLimitHeaders, type RateLimit, type RateLimitDecision } from '../../features/access/inbound-rate-limits.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { LABEL } from '../../telemetry/names.ts';
import type { LeveeContext, LeveeMiddleware } from '../state.ts';

export interface RateLimitOptions {
  limit: RateLimit;
  /** The route pattern, the metric's label. */
  route: string;
  /** Who is counted; undefined leaves the request alone in this scope. */
  identify: (ctx: LeveeContext) => string | undefined;
  metrics: Metrics;
}

export function rateLimit({ limit, route, identify, metrics }: RateLimitOptions): LeveeMiddleware {
  for (const outcome of ['allowed', 'limited']) metrics.rateLimitDecisions.inc({ [LABEL.route]: route, scope: limit.scope, outcome }, 0);
  return async (ctx, next) => {
    const identity = identify(ctx);
    if (identity === undefined) return next();
    const decision = await limit.consume(identity, ctx.state.deadline.signal);
    metrics.rateLimitDecisions.inc({ [LABEL.route]: route, scope: limit.scope, outcome: decision.allowed ? 'allowed' : 'limited' });
    report(ctx, decision);
    if (!decision.allowed) throw rateLimitExceeded(decision);
    await next();
  };
}

/** Keeps the headers on the limit with the fewest requests left (a refusal always wins). */
function report(ctx: LeveeContext, decision: RateLimitDecision): void {
  const reported = ctx.state.rateLimit;
  if (reported && decision.allowed && reported.remaining <= decision.remaining) return;
  ctx.state.rateLimit = decision;
  ctx.set(rateLimitHeaders(decision));
}
