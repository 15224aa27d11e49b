/**
 * Document imports under /v1/collections/:name/imports: create, list and retrieve, each scoped to the
 * client key; handlers only translate between Koa and the use cases (features/imports/). Each
 * route has the /v1 guards in front.
 */
import type { Router } from '@koa/router';
import { createImport, getImport, listImports, type ImportsDeps } from '../../features/imports/imports.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { RouteTools } from '../route-tools.ts';
import type { LeveeContext, LeveeState } from '../state.ts';

/** Without API keys every client is the same owner, ''. */
const ownerOf = (ctx: LeveeContext) => ctx.state.client ?? '';

export function importRoutes(router: Router<LeveeState>, tools: RouteTools, deps: ImportsDeps, guards: RouteGuards = () => []): void {
  const imports = '/v1/collections/:name/imports';
  const one = '/v1/collections/:name/imports/:id';

  router.post(imports, ...guards(imports), tools.json, ...tools.idempotent(imports), async (ctx) => {
    ctx.body = await createImport(deps, ownerOf(ctx), ctx.params.name!, ctx.state.body, ctx.state.deadline.signal);
  });
  router.get(imports, ...guards(imports), async (ctx) => {
    ctx.body = await listImports(deps, ownerOf(ctx), ctx.params.name!, ctx.query, ctx.state.deadline.signal);
  });
  router.get(one, ...guards(one), async (ctx) => {
    ctx.body = await getImport(deps, ownerOf(ctx), ctx.params.name!, ctx.params.id!, ctx.state.deadline.signal);
  });
}
