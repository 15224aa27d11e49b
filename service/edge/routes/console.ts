/**
 * The ops console's pages and files (mounted only with ADMIN_TOKEN): `GET /console` (the app with
 * a valid session, else the login form), `POST /console/login` (the token, once, for an HttpOnly
 * SameSite=Strict session cookie: the token never sits in a URL, a log line or browser storage),
 * `POST /console/logout`, and the static files. Its data comes from the admin routes
 * (console-state.ts, circuit-breakers.ts, admin-jobs.ts, events.ts). console-headers.ts adds the
 * security headers to every response here.
 */
import type { Router } from '@koa/router';
import { LeveeError, NotFoundError } from '../../errors.ts';
import { SESSION_COOKIE, type AdminCredentials } from '../../features/console/admin-credentials.ts';
import { APP_PAGE, LOGIN_PAGE } from '../console/pages.ts';
import type { StaticFile } from '../console/static-files.ts';
import { fromOwnOrigin, ownOrigin } from '../middleware/admin-auth.ts';
import type { RouteTools } from '../route-tools.ts';
import type { LeveeContext, LeveeMiddleware, LeveeState } from '../state.ts';

export interface ConsoleFiles {
  assets: ReadonlyMap<string, StaticFile>;
  vendor: ReadonlyMap<string, StaticFile>;
}

export function consoleRoutes(router: Router<LeveeState>, tools: RouteTools, credentials: AdminCredentials, files: ConsoleFiles, loginLimit?: LeveeMiddleware): void {
  router.get('/console', (ctx) => {
    const session = ctx.cookies.get(SESSION_COOKIE);
    const signedIn = credentials.sessionValid(session);
    // A stale cookie (expired, or the token rotated) is dropped rather than sent on every request.
    if (session !== undefined && !signedIn) setSessionCookie(ctx, '', 0);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = signedIn ? APP_PAGE : LOGIN_PAGE;
  });

  // Attempts are counted before the body is read: a guess costs one whatever it holds.
  router.post('/console/login', sameOriginOnly, ...(loginLimit ? [loginLimit] : []), tools.json, (ctx) => {
    const session = credentials.logIn(ctx.state.body);
    setSessionCookie(ctx, session, Math.floor(credentials.sessionTtlMs / 1000));
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 204;
  });

  router.post('/console/logout', sameOriginOnly, (ctx) => {
    setSessionCookie(ctx, '', 0);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 204;
  });

  router.get('/console/assets/*file', (ctx) => serve(ctx, files.assets.get(String(ctx.params.file))));
  router.get('/console/vendor/:file', (ctx) => serve(ctx, files.vendor.get(ctx.params.file!)));
}

/** A browser's cross-site POST carries its own Origin: refused (a request without one, e.g. curl, is not a browser's). */
const sameOriginOnly: LeveeMiddleware = async (ctx, next) => {
  if (ctx.get('Origin') && !fromOwnOrigin(ctx)) throw new LeveeError('forbidden', `The console accepts this only from its own origin (${ownOrigin(ctx)}).`);
  await next();
};

/** `Secure` when the request came over HTTPS as Koa sees it (X-Forwarded-Proto behind trusted proxies). */
function setSessionCookie(ctx: LeveeContext, value: string, maxAgeSeconds: number): void {
  ctx.append('Set-Cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${ctx.secure ? '; Secure' : ''}`);
}

/** Revalidated on every use (no-cache with an ETag): a new Levee's files are picked up at once. */
function serve(ctx: LeveeContext, file: StaticFile | undefined): void {
  if (!file) throw new NotFoundError(`No console file at ${ctx.path.slice(0, 200)}.`);
  ctx.set('Cache-Control', 'no-cache');
  ctx.etag = file.etag;
  ctx.type = file.contentType;
  // Koa judges freshness only on a 2xx.
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = file.body;
}
