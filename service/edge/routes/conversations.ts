/**
 * GET and DELETE /v1/conversations/:id, behind the same guards as every /v1 route. A
 * conversation is the calling client's own: another client's is answered 404, like a missing one.
 */
import type { Router } from '@koa/router';
import type { Conversations } from '../../features/conversations/conversations.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { LeveeState } from '../state.ts';

export function conversationRoutes(router: Router<LeveeState>, guards: RouteGuards, conversations: Conversations): void {
  const route = '/v1/conversations/:id';

  router.get(route, ...guards(route), async (ctx) => {
    ctx.body = await conversations.get(ctx.state.client, ctx.params.id ?? '', ctx.state.deadline.signal);
  });

  router.delete(route, ...guards(route), async (ctx) => {
    ctx.body = await conversations.delete(ctx.state.client, ctx.params.id ?? '', ctx.state.deadline.signal);
  });
}
