/**
 * The OpenAI Batch API under /v1/batches: create, list, retrieve, cancel, each scoped to the
 * client key; handlers only translate between Koa and the use cases (features/batches/). Each
 * route has the /v1 guards in front.
 */
import type { Router } from '@koa/router';
import { cancelBatch, createBatch, getBatch, listBatches, type BatchesDeps } from '../../features/batches/batches.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { RouteTools } from '../route-tools.ts';
import type { LeveeContext, LeveeState } from '../state.ts';

/** Without API keys every client is the same owner, ''. */
const ownerOf = (ctx: LeveeContext) => ctx.state.client ?? '';

export function batchRoutes(router: Router<LeveeState>, tools: RouteTools, deps: BatchesDeps, guards: RouteGuards = () => []): void {
  const batches = '/v1/batches';
  const batch = '/v1/batches/:id';
  const cancel = '/v1/batches/:id/cancel';

  router.post(batches, ...guards(batches), tools.json, ...tools.idempotent(batches), async (ctx) => {
    ctx.body = await createBatch(deps, ownerOf(ctx), ctx.state.body, ctx.state.deadline.signal);
  });
  router.get(batches, ...guards(batches), async (ctx) => {
    ctx.body = await listBatches(deps, ownerOf(ctx), ctx.query, ctx.state.deadline.signal);
  });
  router.get(batch, ...guards(batch), async (ctx) => {
    ctx.body = await getBatch(deps, ownerOf(ctx), ctx.params.id!, ctx.state.deadline.signal);
  });
  router.post(cancel, ...guards(cancel), async (ctx) => {
    ctx.body = await cancelBatch(deps, ownerOf(ctx), ctx.params.id!, ctx.state.deadline.signal);
  });
}
