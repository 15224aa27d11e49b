/** While the replica drains, every response asks its client to reconnect (elsewhere) for the next one. */
import type { HealthService } from '../../features/health/health-service.ts';
import type { LeveeMiddleware } from '../state.ts';

export function closeConnectionsWhileDraining(health: HealthService): LeveeMiddleware {
  return async (ctx, next) => {
    if (health.phase === 'draining') ctx.set('Connection', 'close');
    await next();
    if (health.phase === 'draining' && !ctx.headerSent) ctx.set('Connection', 'close');
  };
}
