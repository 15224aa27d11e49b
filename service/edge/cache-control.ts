/** What a request's `Cache-Control` asks of Levee's caches, and the `X-Cache` answer. */
import type { Context } from 'koa';
import type { CacheMode, CacheStatus } from '../features/cache/cached-calls.ts';

/** `no-store`: neither read nor write the cache; `no-cache`: do not serve from it, refresh it. */
export function cacheModeOf(ctx: Pick<Context, 'get'>): CacheMode {
  const header = ctx.get('Cache-Control');
  if (!header) return 'normal';
  const directives = header.toLowerCase().split(',').map((directive) => directive.trim());
  if (directives.includes('no-store')) return 'bypass';
  if (directives.includes('no-cache')) return 'refresh';
  return 'normal';
}

export function setCacheStatus(ctx: Pick<Context, 'set'>, status: CacheStatus | undefined): void {
  if (status) ctx.set('X-Cache', status);
}
