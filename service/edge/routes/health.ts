/**
 * Probes for orchestrators and people. Liveness never calls anything; readiness fails only while
 * starting, draining or missing a local prerequisite; dependencies show in /health/detailed.
 */
import type { Router } from '@koa/router';
import type { HealthService } from '../../features/health/health-service.ts';
import { reportJobs, type JobsReportOptions } from '../../features/jobs/jobs-report.ts';
import type { LeveeState } from '../state.ts';

export function healthRoutes(router: Router<LeveeState>, health: HealthService, jobs?: JobsReportOptions): void {
  if (jobs) {
    router.get('/health/jobs', async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await reportJobs(jobs, ctx.state.deadline.signal);
    });
  }
  router.get('/health/live', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/health/ready', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const readiness = await health.readiness();
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { status: readiness.ready ? 'ready' : 'not_ready', phase: readiness.phase, failing: readiness.failing };
  });

  router.get('/health', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const summary = health.summary();
    ctx.status = health.phase === 'serving' ? 200 : 503;
    ctx.body = summary;
  });

  router.get('/health/detailed', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const detailed = await health.detailed();
    ctx.status = detailed.ready ? 200 : 503;
    ctx.body = detailed;
  });
}
