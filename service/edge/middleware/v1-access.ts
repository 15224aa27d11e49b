/**
 * The guards in front of every `/v1` route, outermost first: the per-IP limit (first, so floods
 * without a key are limited too), the client key (when API keys are configured), then the
 * per-key limit (only with API keys: without them there is no client identity to count).
 * Health, metrics and admin routes have none of these.
 */
import compose from 'koa-compose';
import type { ApiKeyRegistry } from '../../features/access/api-key-registry.ts';
import type { InboundRateLimits } from '../../features/access/inbound-rate-limits.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import type { LeveeMiddleware } from '../state.ts';
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

export function v1Access({ apiKeys, rateLimits, metrics }: V1AccessOptions): RouteGuards {
  const auth = apiKeys ? requireClientKey(apiKeys, metrics) : undefined;
  return (route) => {
    const guards: LeveeMiddleware[] = [];
    if (rateLimits.ip.enabled) guards.push(rateLimit({ limit: rateLimits.ip, route, identify: (ctx) => ctx.ip, metrics }));
    if (auth) guards.push(auth);
    if (auth && rateLimits.key.enabled) guards.push(rateLimit({ limit: rateLimits.key, route, identify: (ctx) => ctx.state.client, metrics }));
    return guards;
  };
}

/**
 * The same guards for `/v1` paths no route serves, so a 404 or 405 there is also authenticated,
 * counted and answered with the RateLimit-* headers (under the route label `unmatched`). Mounted
 * after the router, which hands on only what it did not route: a routed request pays no second
 * route match.
 */
export function guardUnmatchedV1(guards: RouteGuards): LeveeMiddleware {
  const guarded = compose(guards('unmatched'));
  return (ctx, next) => {
    if (!ctx.path.startsWith('/v1/') || (ctx as { routeMatched?: boolean }).routeMatched) return next();
    return guarded(ctx, next);
  };
}
