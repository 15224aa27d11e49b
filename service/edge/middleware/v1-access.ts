/**
 * The guards in front of every `/v1` route, outermost first: the per-IP policies (first, so floods
 * without a key are limited too), the client key (when API keys are configured), then the per-key
 * policies (only with API keys: without them there is no client identity to count). Each route
 * gets the policies whose route group includes it (route-groups.ts). Health, metrics and admin
 * routes have none of these.
 */
import compose from 'koa-compose';
import type { RateLimitScope } from '../../config/rate-limits.ts';
import type { ApiKeyRegistry } from '../../features/access/api-key-registry.ts';
import type { InboundRateLimits } from '../../features/access/inbound-rate-limits.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { groupTouchesRoute, UNMATCHED_ROUTE } from '../route-groups.ts';
import type { LeveeContext, LeveeMiddleware } from '../state.ts';
import { requireClientKey } from './client-auth.ts';
import { rateLimit } from './rate-limit.ts';

export interface V1AccessOptions {
  /** Unset: /v1 is open. */
  apiKeys: ApiKeyRegistry | undefined;
  rateLimits: InboundRateLimits;
  metrics: Metrics;
}

/** The guards for one route pattern. */
export type RouteGuards = (route: string) => LeveeMiddleware[];

const IDENTITIES: Record<RateLimitScope, (ctx: LeveeContext) => string | undefined> = {
  ip: (ctx) => ctx.ip,
  key: (ctx) => ctx.state.client,
};

export function v1Access({ apiKeys, rateLimits, metrics }: V1AccessOptions): RouteGuards {
  const auth = apiKeys ? requireClientKey(apiKeys, metrics) : undefined;
  const limitsOf = (scope: RateLimitScope, route: string): LeveeMiddleware[] => {
    const policies = rateLimits.policies.filter((policy) => policy.scope === scope && groupTouchesRoute(policy.routes, route));
    return policies.length > 0 ? [rateLimit({ limits: rateLimits, policies, route, identify: IDENTITIES[scope], metrics })] : [];
  };
  return (route) => [...limitsOf('ip', route), ...(auth ? [auth, ...limitsOf('key', route)] : [])];
}

/**
 * The same guards for `/v1` paths no route serves, so a 404 or 405 there is also authenticated,
 * counted and answered with the RateLimit-* headers (under the route label `unmatched`, which only
 * the `all` policies cover). Mounted after the router, which hands on only what it did not route:
 * a routed request pays no second route match.
 */
export function guardUnmatchedV1(guards: RouteGuards): LeveeMiddleware {
  const guarded = compose(guards(UNMATCHED_ROUTE));
  return (ctx, next) => {
    if (!ctx.path.startsWith('/v1/') || (ctx as { routeMatched?: boolean }).routeMatched) return next();
    return guarded(ctx, next);
  };
}
