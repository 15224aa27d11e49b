/** The OpenAI-compatible routes: chat completions (JSON and streamed), embeddings, models, conversations. */
import fc from 'fast-check';
import { TAG } from './fuzz-request.ts';
import { query, segment } from './paths.ts';
import type { RouteShape } from './request-shape.ts';

const message = fc.oneof(
  fc.record({ role: fc.constant('user'), content: fc.string({ maxLength: 40 }) }),
  fc.record({ role: fc.constantFrom('system', 'developer'), content: fc.constant('Be brief.') }),
  fc.record({ role: fc.constant('user'), content: fc.constant([{ type: 'text', text: 'hi' }]) }),
  fc.record({ role: fc.constant('assistant'), content: fc.constant(null), tool_calls: fc.constant([{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }]) }),
  fc.record({ role: fc.constant('tool'), content: fc.constant('42'), tool_call_id: fc.constant('call_1') }),
);

const chatBody = fc.record(
  {
    model: fc.constantFrom('gpt-4o-mini', 'gpt-4o', 'sim-model'),
    messages: fc.array(message, { minLength: 1, maxLength: 3 }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    temperature: fc.constantFrom(0, 0.7, 2),
    top_p: fc.constantFrom(0, 1),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    n: fc.integer({ min: 1, max: 2 }),
    seed: fc.integer(),
    stop: fc.oneof(fc.constant('\n'), fc.constant(['a', 'b'])),
    logit_bias: fc.constant({ '50256': -100 }),
    tools: fc.constant([{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }]),
    tool_choice: fc.constantFrom('auto', 'none'),
    response_format: fc.constant({ type: 'json_object' }),
    user: fc.constant('fuzzer'),
    conversation_id: fc.constant(`fz-${TAG}`),
  },
  { requiredKeys: ['model', 'messages'] },
);

const embeddingsBody = fc.record(
  {
    model: fc.constantFrom('text-embedding-3-small', 'text-embedding-3-large', 'sim-embed'),
    input: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 5 }), fc.constant([[1, 2, 3]])),
    encoding_format: fc.constantFrom('float', 'base64'),
    dimensions: fc.integer({ min: 1, max: 1536 }),
    user: fc.constant('fuzzer'),
  },
  { requiredKeys: ['model', 'input'] },
);

export const llmRoutes: RouteShape[] = [
  { route: 'POST /v1/chat/completions', method: 'POST', target: fc.constantFrom('/v1/chat/completions', '/v1/chat/completions?x=1'), validBody: chatBody, auth: 'client', idempotent: true, conversation: true },
  { route: 'POST /v1/embeddings', method: 'POST', target: fc.constant('/v1/embeddings'), validBody: embeddingsBody, auth: 'client', idempotent: true },
  { route: 'GET /v1/models', method: 'GET', target: query({ limit: fc.constant('1') }).map((text) => `/v1/models${text}`), auth: 'client' },
  { route: 'GET /v1/conversations/:id', method: 'GET', target: segment(`fz-${TAG}`, 'no-such-conversation').map((id) => `/v1/conversations/${id}`), auth: 'client' },
  { route: 'DELETE /v1/conversations/:id', method: 'DELETE', target: segment(`fz-${TAG}`).map((id) => `/v1/conversations/${id}`), auth: 'client' },
];
