/**
 * The OpenAI-compatible API: chat completions (JSON and SSE), embeddings and models. Handlers
 * only translate between Koa and the features; a streamed answer's status and headers go out
 * with its first chunk, so earlier failures are ordinary HTTP errors.
 */
import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import { createChatCompletion, type ChatDeps } from '../../features/chat/create-chat-completion.ts';
import type { Conversations } from '../../features/conversations/conversations.ts';
import { createCachedEmbeddings, type EmbeddingsDeps } from '../../features/embeddings/cached-embeddings.ts';
import { listModels, type ModelsDeps } from '../../features/models/list-models.ts';
import { ServedBy } from '../../features/models/served.ts';
import { cacheModeOf, setCacheStatus } from '../cache-control.ts';
import type { RouteGuards } from '../middleware/v1-access.ts';
import type { RouteTools } from '../route-tools.ts';
import type { LeveeContext, LeveeState } from '../state.ts';
import { conversationRoutes } from './conversations.ts';

export interface V1Options {
  chat: ChatDeps;
  embeddings: EmbeddingsDeps;
  models: ModelsDeps;
  /** Rate limits and client keys in front of each route (see v1-access.ts); unset: none. */
  guards?: RouteGuards;
  /** Conversation memory (/v1/conversations); unset: not mounted. */
  conversations?: Conversations;
}

export function v1Routes(router: Router<LeveeState>, tools: RouteTools, options: V1Options): void {
  // Guards run before the body is read: a refused request costs no parsing.
  const guards = options.guards ?? (() => []);

  router.post('/v1/chat/completions', ...guards('/v1/chat/completions'), tools.json, ...tools.idempotent('/v1/chat/completions'), async (ctx) => {
    const served = servedBy(ctx);
    const result = await createChatCompletion(options.chat, ctx.state.body, {
      signal: ctx.state.deadline.signal,
      requestId: ctx.state.requestId,
      cacheMode: cacheModeOf(ctx),
      client: ctx.state.client,
      conversationHeader: ctx.get('x-conversation-id') || undefined,
      served: served.report,
      // The access line then carries the error code of a stream that ended in an error event.
      onStreamFailure: (error) => {
        ctx.state.error = error;
      },
    });
    setServedHeaders(ctx, served);
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
    const served = servedBy(ctx);
    const { body, cacheStatus } = await createCachedEmbeddings(options.embeddings, ctx.state.body, ctx.state.deadline.signal, cacheModeOf(ctx), served.report);
    setServedHeaders(ctx, served);
    setCacheStatus(ctx, cacheStatus);
    ctx.body = body;
  });

  if (options.conversations) conversationRoutes(router, guards, options.conversations);

  router.get('/v1/models', ...guards('/v1/models'), async (ctx) => {
    ctx.body = await listModels(options.models, ctx.state.deadline.signal);
  });
}

/** One collector per request; the access log reads it from the state even when the call failed. */
function servedBy(ctx: LeveeContext): ServedBy {
  const served = new ServedBy();
  ctx.state.served = served;
  return served;
}

/** `X-Levee-Provider`, `X-Levee-Model` (the provider's model) and `X-Levee-Attempts`, when a provider answered. */
function setServedHeaders(ctx: LeveeContext, served: ServedBy): void {
  const summary = served.summary();
  if (!summary) return;
  ctx.set('X-Levee-Provider', summary.provider);
  ctx.set('X-Levee-Model', headerSafe(summary.model));
  ctx.set('X-Levee-Attempts', String(summary.attempts));
}

/**
 * The model is the client's string (the provider serves any name it accepts): characters a header
 * cannot carry (controls, anything past ASCII) are percent-encoded as UTF-8 bytes, where Node would
 * throw on them after the answer was already paid for.
 */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]|%/gu, (character) => [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
