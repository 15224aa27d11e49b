/**
 * Breakers for people: `GET /health/circuit-breakers` (read-only, like the other probes) and the
 * admin routes that reset or isolate one, behind `admin` (ADMIN_TOKEN or a console session; no
 * ADMIN_TOKEN: not mounted at all).
 */
import type { Router } from '@koa/router';
import { describeBreakers, isolateBreaker, resetBreaker, type BreakerRegistry } from '../../features/circuit-breakers/circuit-breakers.ts';
import type { LeveeMiddleware, LeveeState } from '../state.ts';

export function circuitBreakerRoutes(router: Router<LeveeState>, breakers: BreakerRegistry, admin: LeveeMiddleware | undefined): void {
  router.get('/health/circuit-breakers', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = describeBreakers(breakers);
  });
  if (admin === undefined) return;

  router.get('/admin/circuit-breakers', admin, (ctx) => {
    ctx.body = describeBreakers(breakers);
  });
  // An LLM provider's breaker is `llm/<provider id>`: two path segments.
  for (const [action, act] of [['reset', resetBreaker], ['isolate', isolateBreaker]] as const) {
    router.post(`/admin/circuit-breakers/:name/${action}`, admin, (ctx) => {
      ctx.body = act(breakers, ctx.params.name);
    });
    router.post(`/admin/circuit-breakers/:name/:instance/${action}`, admin, (ctx) => {
      ctx.body = act(breakers, `${ctx.params.name}/${ctx.params.instance}`);
    });
  }
}
