/**
 * Operators cancel any client's background work, behind the admin check (the ops console's cancel
 * button): `POST /admin/batches/:id/cancel` and `POST /admin/imports/:id/cancel`, each answering
 * the job's object as the owner's own GET shows it.
 */
import type { Router } from '@koa/router';
import { cancelAnyBatch, type BatchesDeps } from '../../features/batches/batches.ts';
import { cancelAnyImport, type ImportsDeps } from '../../features/imports/imports.ts';
import type { LeveeMiddleware, LeveeState } from '../state.ts';

export function adminJobRoutes(router: Router<LeveeState>, admin: LeveeMiddleware, jobs: { batches?: BatchesDeps; imports?: ImportsDeps }): void {
  const { batches, imports } = jobs;
  if (batches) {
    router.post('/admin/batches/:id/cancel', admin, async (ctx) => {
      ctx.body = await cancelAnyBatch(batches, ctx.params.id!, ctx.state.deadline.signal);
    });
  }
  if (imports) {
    router.post('/admin/imports/:id/cancel', admin, async (ctx) => {
      ctx.body = await cancelAnyImport(imports, ctx.params.id!, ctx.state.deadline.signal);
    });
  }
}
