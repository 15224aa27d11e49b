/**
 * The rate limits of one scope (client IP or client key) on one route: counts the request against
 * every policy that covers it (one call, all or none), reports the tightest decision so far in
 * the `RateLimit-*` headers (on every response of the route, errors included), and answers 429
 * when a policy refuses. Decisions are counted by route, scope, policy and outcome: never a key
 * or an IP.
 */
import { isTighter, rateLimitExceeded, rateLimitHeaders, type InboundRateLimits, type RateLimitDecision, type RateLimitPolicy } from '../../features/access/inbound-rate-limits.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { LABEL } from '../../telemetry/names.ts';
import { groupCoversRequest } from '../route-groups.ts';
import type { LeveeContext, LeveeMiddleware } from '../state.ts';

export interface RateLimitOptions {
  limits: InboundRateLimits;
  /** Policies of one scope whose routes include this route (each applied to the methods it covers). */
  policies: readonly RateLimitPolicy[];
  /** The route pattern: which policies apply, and the metric's label. */
  route: string;
  /** Who is counted; undefined leaves the request alone in this scope. */
  identify: (ctx: LeveeContext) => string | undefined;
  metrics: Metrics;
}

export function rateLimit({ limits, policies, route, identify, metrics }: RateLimitOptions): LeveeMiddleware {
  const labels = (policy: RateLimitPolicy, outcome: 'allowed' | 'limited') => ({ [LABEL.route]: route, [LABEL.scope]: policy.scope, [LABEL.policy]: policy.name, [LABEL.outcome]: outcome });
  for (const policy of policies) for (const outcome of ['allowed', 'limited'] as const) metrics.rateLimitDecisions.inc(labels(policy, outcome), 0);
  return async (ctx, next) => {
    const applying = policies.filter((policy) => groupCoversRequest(policy.routes, route, ctx.method));
    const identity = applying.length > 0 ? identify(ctx) : undefined;
    if (identity === undefined) return next();
    const decisions = await limits.consume(applying.map((policy) => ({ policy, identity })), ctx.state.deadline.signal);
    const admitted = decisions.every((decision) => decision.allowed);
    for (const decision of decisions) {
      // `allowed`: counted by this policy; `limited`: refused by it. A policy that would have
      // admitted a request another refused did not count it, and records nothing.
      if (admitted || !decision.allowed) metrics.rateLimitDecisions.inc(labels(decision.policy, decision.allowed ? 'allowed' : 'limited'));
      report(ctx, decision);
    }
    if (!admitted) throw rateLimitExceeded(ctx.state.rateLimit!);
    await next();
  };
}

/** Keeps the headers on the tightest decision of the request so far (a refusal always wins). */
function report(ctx: LeveeContext, decision: RateLimitDecision): void {
  if (!isTighter(decision, ctx.state.rateLimit)) return;
  ctx.state.rateLimit = decision;
  ctx.set(rateLimitHeaders(decision));
}
