/**
 * Admin routes take `Authorization: Bearer <ADMIN_TOKEN>` (scripts), or the ops console's session
 * cookie (browsers). Missing credentials, or a session that is forged or expired: 401; a wrong
 * token (a client key included): 403. With the cookie, anything that can change state (a method
 * other than GET or HEAD, and the WebSocket upgrade) must also come from Levee's own origin: a
 * cross-site request defence beyond SameSite=Strict, which browsers enforce unevenly.
 */
import { LeveeError } from '../../errors.ts';
import { SESSION_COOKIE, type AdminCredentials } from '../../features/console/admin-credentials.ts';
import type { LeveeContext, LeveeMiddleware } from '../state.ts';

export function requireAdmin(credentials: AdminCredentials): LeveeMiddleware {
  return async (ctx, next) => {
    const bearer = /^Bearer (.+)$/i.exec(ctx.get('Authorization'))?.[1];
    const session = ctx.cookies.get(SESSION_COOKIE);
    if (bearer !== undefined) {
      if (!credentials.tokenMatches(bearer)) throw new LeveeError('forbidden', 'This token may not use admin routes.');
    } else if (session !== undefined) {
      if (!credentials.sessionValid(session)) throw unauthorized('The console session has expired or is not valid: sign in again at /console.');
      if (changesState(ctx) && !fromOwnOrigin(ctx)) {
        throw new LeveeError('forbidden', `With a console session, ${ctx.method} needs an Origin header naming this server (${ownOrigin(ctx)}).`);
      }
    } else {
      throw unauthorized('Admin routes need Authorization: Bearer <ADMIN_TOKEN>, or a console session.');
    }
    await next();
  };
}

/** The request's Origin header names this server as Koa sees it (X-Forwarded-Proto and -Host behind trusted proxies). */
export function fromOwnOrigin(ctx: LeveeContext): boolean {
  return ctx.get('Origin') === ownOrigin(ctx);
}

/** Koa 3's `ctx.origin` is the Origin header itself, so the server's own origin is built here. */
export function ownOrigin(ctx: LeveeContext): string {
  return `${ctx.protocol}://${ctx.host}`;
}

function changesState(ctx: LeveeContext): boolean {
  return (ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.get('Upgrade') !== '';
}

function unauthorized(message: string): LeveeError {
  return new LeveeError('unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer' } });
}
