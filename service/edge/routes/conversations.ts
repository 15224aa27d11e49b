/**
 * GET and DELETE /v1/conversations/:id, behind the same guards as every /v1 route. A
 * conversation is the calling client's own: another client's is answered 404, like a missing one.
 */
import type { Router } from '@koa/router';
import type { ConversationStore } from '../../features/conversations/conversation-store.ts';
import { deleteConversation, getConversation, type ConversationRef } from '../../features/conversations/conversations.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { LeveeContext, LeveeState } from '../state.ts';

/** The one scope every caller shares when API keys are off (there is no client identity then). */
export const ANONYMOUS_CLIENT = '_anonymous';

export function conversationScope(ctx: LeveeContext): string {
  return ctx.state.client ?? ANONYMOUS_CLIENT;
}

export function conversationRoutes(router: Router<LeveeState>, guards: RouteGuards, store: ConversationStore): void {
  const route = '/v1/conversations/:id';
  const ref = (ctx: LeveeContext & { params: { id?: string } }): ConversationRef => ({ store, client: conversationScope(ctx), id: ctx.params.id ?? '' });

  router.get(route, ...guards(route), async (ctx) => {
    ctx.body = await getConversation(ref(ctx), ctx.state.deadline.signal);
  });

  router.delete(route, ...guards(route), async (ctx) => {
    ctx.body = await deleteConversation(ref(ctx), ctx.state.deadline.signal);
  });
}
