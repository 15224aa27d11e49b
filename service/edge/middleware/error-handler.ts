/**
 * The one error middleware, first in the chain: every failure becomes an OpenAI-shaped JSON error
 * whose status and type come from the table in errors.ts. 5xx bodies stay generic; the cause goes
 * to the request's log line through ctx.state.error.
 */
import { errorBody, toLeveeError } from '../../errors.ts';
import type { LeveeMiddleware } from '../state.ts';

export function errorHandler(): LeveeMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const error = toLeveeError(thrown);
      ctx.state.error = error;
      // Too late to answer: the client left, or a streamed body already began (it ends itself).
      if (ctx.headerSent || !ctx.writable || error.code === 'client_closed_request') return;
      ctx.status = error.status;
      ctx.set(error.headers as Record<string, string>);
      ctx.body = errorBody(error, ctx.state.requestId ?? '');
    }
  };
}
