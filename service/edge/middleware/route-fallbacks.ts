/**
 * Turns what the router leaves unanswered into errors of our table: no route 404, a route that
 * exists for other methods 405 with `Allow`. Sits just outside the router.
 */
import { MethodNotAllowedError, NotFoundError } from '../../errors.ts';
import type { LeveeMiddleware } from '../state.ts';

export function routeFallbacks(): LeveeMiddleware {
  return async (ctx, next) => {
    await next();
    // The router answers 405, or 501 for a method it knows no route for, with the allowed list in Allow.
    if (ctx.status === 405 || ctx.status === 501) {
      const allow = ctx.response.get('Allow');
      if (allow) throw new MethodNotAllowedError(ctx.method, allow);
      throw noRoute(ctx.method, ctx.path);
    }
    if (ctx.status === 404 && ctx.body == null) {
      throw noRoute(ctx.method, ctx.path);
    }
  };
}

function noRoute(method: string, path: string): NotFoundError {
  const shownPath = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return new NotFoundError(`No route for ${method} ${shownPath}.`);
}
