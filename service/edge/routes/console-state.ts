/**
 * `GET /admin/console/state`, behind the admin check: the ops console's one poll (breakers,
 * dependencies, routing, jobs, caches; features/console/console-state.ts). Never cached.
 */
import type { Router } from '@koa/router';
import { readConsoleState, type ConsoleStateSources } from '../../features/console/console-state.ts';
import type { LeveeMiddleware, LeveeState } from '../state.ts';

export function consoleStateRoutes(router: Router<LeveeState>, admin: LeveeMiddleware, sources: ConsoleStateSources): void {
  router.get('/admin/console/state', admin, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await readConsoleState(sources, ctx.state.deadline.signal);
  });
}
