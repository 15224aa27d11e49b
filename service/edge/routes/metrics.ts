/** Prometheus scrape endpoint: OpenMetrics (with exemplars) when asked for, classic text otherwise. */
import type { Router } from '@koa/router';
import { MetricsExposition, wantsOpenMetrics } from '../../telemetry/metrics-exposition.ts';
import type { LeveeState } from '../state.ts';

export function metricsRoutes(router: Router<LeveeState>, exposition: MetricsExposition): void {
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await exposition.render(wantsOpenMetrics(ctx.get('Accept')));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = contentType;
    ctx.body = body;
  });
}
