/**
 * The path of every /v1 request: count it, read and parse the body, log it, check the key, refuse
 * models the simulator does not serve, apply the rate limit, let the fault rules have their way,
 * then route it. The order is deliberate: a request is counted and logged even when it then
 * fails, because tests assert on what the client sent; the key is checked before anything else,
 * as a provider rejects a bad key first; an unknown model is refused before it can use up the
 * rate limit (limits are per model at OpenAI); the rate limit comes before faults, so an injected
 * 503 still carries the rate-limit headers, as an upstream failure behind the gateway would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Exchange } from './exchange.ts';
import { faultRuleSchema, InvalidFaultRuleError, parseOrThrow, type FaultRule, type Route } from './fault-rules.ts';
import { BodyTooLargeError, readBody } from './http-body.ts';
import { injectFaults } from './inject-faults.ts';
import { handleChat } from './routes/chat.ts';
import { handleEmbeddings } from './routes/embeddings.ts';
import { rejectUnknownModel } from './routes/models.ts';
import type { SimulatorState } from './state.ts';

/** Large enough for 2048 long embedding inputs. */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

interface Target {
  route: Route | undefined;
  method: 'GET' | 'POST';
  /** For /v1/models/:id. */
  modelId?: string;
}

/** Which route a path names; undefined route for unknown paths. */
function targetOf(path: string): Target {
  if (path === '/v1/chat/completions') return { route: 'chat', method: 'POST' };
  if (path === '/v1/embeddings') return { route: 'embeddings', method: 'POST' };
  if (path === '/v1/models') return { route: 'models', method: 'GET' };
  if (path.startsWith('/v1/models/') && path.length > '/v1/models/'.length) {
    return { route: 'models', method: 'GET', modelId: safeDecode(path.slice('/v1/models/'.length)) };
  }
  return { route: undefined, method: 'GET' };
}

/** Handles one request under /v1. Never rejects. */
export async function handleV1(state: SimulatorState, request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
  const target = targetOf(path);
  const exchange = new Exchange(request, response, state.stats);
  state.stats.started(target.route);
  try {
    await serve(state, exchange, target, path);
  } catch (error) {
    if (exchange.closed) return;
    if (error instanceof BodyTooLargeError) {
      exchange.sendError(413, { message: error.message }, { connection: 'close' });
    } else {
      exchange.sendError(500, { message: 'The simulator failed unexpectedly.' });
    }
  }
}

async function serve(state: SimulatorState, exchange: Exchange, target: Target, path: string): Promise<void> {
  const { request } = exchange;
  const text = await readBody(request, BODY_LIMIT_BYTES);
  let body: unknown;
  let malformed = false;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      malformed = true;
    }
  }
  const fields = typeof body === 'object' && body !== null ? (body as { model?: unknown; stream?: unknown }) : {};
  const model = typeof fields.model === 'string' ? fields.model : undefined;
  const streaming = target.route === 'chat' && fields.stream === true;
  if (model !== undefined) state.stats.model(model);
  state.log.record({
    atMs: Date.now(),
    method: request.method ?? 'GET',
    path: request.url ?? path,
    route: target.route,
    model,
    stream: streaming,
    headers: request.headers,
    body: malformed ? text : body,
  });

  const { apiKey } = state.settings;
  if (apiKey !== undefined && request.headers.authorization !== `Bearer ${apiKey}`) {
    return exchange.sendError(401, {
      message: 'Incorrect API key provided. The simulator expects the key it was started with.',
      code: 'invalid_api_key',
    });
  }
  // Only the routes that name a model, called the right way, are refused by model or limited.
  const limited = (target.route === 'chat' || target.route === 'embeddings') && request.method === target.method;
  if (limited && model !== undefined && !state.models.serves(model)) return rejectUnknownModel(exchange, model);
  if (limited && !state.rateLimiter.admit(exchange, model)) return;
  if (malformed) {
    return exchange.sendError(400, {
      message: 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)',
    });
  }

  let headerRule: FaultRule | undefined;
  const headerValue = request.headers['x-sim-fault'];
  if (typeof headerValue === 'string') {
    const parsed = parseHeaderRule(headerValue);
    if ('problem' in parsed) return exchange.sendError(400, { message: parsed.problem, param: parsed.field });
    headerRule = parsed.rule;
  }
  const plan = state.faults.plan({ route: target.route, model }, headerRule);
  if (plan !== undefined && !(await injectFaults(exchange, plan, streaming))) return;

  if (target.route === undefined) {
    return exchange.sendError(404, { message: `Unknown request URL: ${request.method} ${path}.`, code: 'unknown_url' });
  }
  if (request.method !== target.method) {
    return exchange.sendError(405, { message: `${path} accepts ${target.method} only.` }, { allow: target.method });
  }
  const context = {
    seed: state.settings.seed,
    embeddingDimension: state.settings.embeddingDimension,
    nextId: state.nextId,
    slowStream: plan?.slowStream,
  };
  switch (target.route) {
    case 'chat':
      return handleChat(exchange, body, context);
    case 'embeddings':
      return handleEmbeddings(exchange, body, context);
    case 'models':
      return state.models.handle(exchange, target.modelId);
  }
}

/** The rule an X-Sim-Fault header carries, or what is wrong with it. */
function parseHeaderRule(value: string): { rule: FaultRule } | { problem: string; field: string } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { problem: 'x-sim-fault: the header is not valid JSON', field: 'x-sim-fault' };
  }
  try {
    return { rule: parseOrThrow(faultRuleSchema, json, 'x-sim-fault') };
  } catch (error) {
    if (!(error instanceof InvalidFaultRuleError)) throw error;
    return { problem: error.message, field: error.field ?? 'x-sim-fault' };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
