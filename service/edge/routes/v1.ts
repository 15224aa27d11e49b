/**
 * The OpenAI-compatible API: chat completions (JSON and SSE), embeddings and models. Handlers
 * only translate between Koa and the features; a streamed answer's status and headers go out
 * with its first chunk, so earlier failures are ordinary HTTP errors.
 */
import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import type { LlmGateway } from '../../deps/llm/llm-gateway.ts';
import { createChatCompletion } from '../../features/chat/create-chat-completion.ts';
import type { CachedCalls } from '../../features/cache/cached-calls.ts';
import { createCachedEmbeddings } from '../../features/embeddings/cached-embeddings.ts';
import type { EmbeddingsOptions } from '../../features/embeddings/create-embeddings.ts';
import { cacheModeOf, setCacheStatus } from '../cache-control.ts';
import { listModels } from '../../features/models/list-models.ts';
import type { ConversationStore } from '../../features/conversations/conversation-store.ts';
import { conversationRoutes, conversationScope } from './conversations.ts';
import type { RouteTools } from '../app.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { LeveeState } from '../state.ts';

export interface V1Options {
  llm: LlmGateway;
  embeddings: EmbeddingsOptions;
  /** Rate limits and client keys in front of each route (see v1-access.ts); unset: none. */
  guards?: RouteGuards;
  /** Unset: nothing is cached. */
  caches?: { chat: CachedCalls; embeddings: CachedCalls };
  /** Conversation memory (`conversation_id`, /v1/conversations); unset: off, the field is ignored. */
  conversations?: ConversationStore;
}

export function v1Routes(router: Router<LeveeState>, tools: RouteTools, options: V1Options): void {
  // Guards run before the body is read: a refused request costs no parsing.
  const guards = options.guards ?? (() => []);

  router.post('/v1/chat/completions', ...guards('/v1/chat/completions'), tools.json, ...tools.idempotent('/v1/chat/completions'), async (ctx) => {
    const cache = options.caches && { calls: options.caches.chat, mode: cacheModeOf(ctx), client: ctx.state.client };
    const conversation = options.conversations && { store: options.conversations, client: conversationScope(ctx), headerId: ctx.get('x-conversation-id') || undefined };
    const result = await createChatCompletion(options.llm, ctx.state.body, {
      signal: ctx.state.deadline.signal,
      requestId: ctx.state.requestId,
      ...(cache ? { cache } : {}),
      ...(conversation ? { conversation } : {}),
    });
    if (result.kind === 'json') {
      setCacheStatus(ctx, result.cacheStatus);
      ctx.body = result.body;
      return;
    }
    ctx.status = 200;
    ctx.type = 'text/event-stream; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    // Proxies such as nginx must not buffer an event stream.
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = Readable.from(result.frames);
  });

  router.post('/v1/embeddings', ...guards('/v1/embeddings'), tools.json, ...tools.idempotent('/v1/embeddings'), async (ctx) => {
    const cache = options.caches && { calls: options.caches.embeddings, mode: cacheModeOf(ctx) };
    const { body, cacheStatus } = await createCachedEmbeddings(options.llm, ctx.state.body, ctx.state.deadline.signal, options.embeddings, cache);
    setCacheStatus(ctx, cacheStatus);
    ctx.body = body;
  });

  if (options.conversations) conversationRoutes(router, guards, options.conversations);

  router.get('/v1/models', ...guards('/v1/models'), async (ctx) => {
    ctx.body = await listModels(options.llm, ctx.state.deadline.signal);
  });
}
