/**
 * Breakers for people: `GET /health/circuit-breakers` (read-only, like the other probes) and the
 * admin routes that reset or isolate one, behind ADMIN_TOKEN (unset: not mounted at all).
 */
import type { Router } from '@koa/router';
import { NotFoundError } from '../../errors.ts';
import type { CircuitBreaker } from '../../resilience/circuit-breaker.ts';
import { requireAdminToken } from '../middleware/admin-auth.ts';
import type { LeveeState } from '../state.ts';

export type BreakerRegistry = ReadonlyMap<string, CircuitBreaker>;

function describe(breakers: BreakerRegistry) {
  return Object.fromEntries([...breakers].map(([name, breaker]) => [name, breaker.snapshot()]));
}

export function circuitBreakerRoutes(router: Router<LeveeState>, breakers: BreakerRegistry, adminToken: string | undefined): void {
  router.get('/health/circuit-breakers', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { circuit_breakers: describe(breakers) };
  });
  if (adminToken === undefined) return;

  const admin = requireAdminToken(adminToken);
  const breakerNamed = (name: string | undefined) => {
    const breaker = name === undefined ? undefined : breakers.get(name);
    if (!breaker) throw new NotFoundError(`No circuit breaker named ${JSON.stringify(String(name).slice(0, 64))}; known: ${[...breakers.keys()].join(', ')}.`);
    return breaker;
  };
  router.get('/admin/circuit-breakers', admin, (ctx) => {
    ctx.body = { circuit_breakers: describe(breakers) };
  });
  router.post('/admin/circuit-breakers/:name/reset', admin, (ctx) => {
    const breaker = breakerNamed(ctx.params.name);
    breaker.reset();
    ctx.body = { name: breaker.dependency, ...breaker.snapshot() };
  });
  router.post('/admin/circuit-breakers/:name/isolate', admin, (ctx) => {
    const breaker = breakerNamed(ctx.params.name);
    breaker.isolate();
    ctx.body = { name: breaker.dependency, ...breaker.snapshot() };
  });
}
