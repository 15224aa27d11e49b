/**
 * `GET /health/cache`: per cache, its results since start (hits, misses, stale, errors), hit
 * ratio, in-process entries, bytes and evictions, single-flight joins and tiers. Read-only.
 */
import type { Router } from '@koa/router';
import type { Caches } from '../../features/cache/caches.ts';
import type { LeveeState } from '../state.ts';

export function cacheHealthRoutes(router: Router<LeveeState>, caches: Pick<Caches, 'stats'>): void {
  router.get('/health/cache', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { caches: caches.stats() };
  });
}
