/**
 * The admin API under /_sim: install and remove fault rules, set the rate limit, read and reset
 * the counters and the request log. It is how tests, the benchmark and a person at the demo stack
 * steer the simulator from outside the process. Admin requests are neither counted nor logged nor
 * faulted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { Exchange } from './exchange.ts';
import { InvalidFaultRuleError, parseOrThrow } from './fault-rules.ts';
import { BodyTooLargeError, readBody } from './http-body.ts';
import { rateLimitBodySchema } from './rate-limit.ts';
import { resetState, type SimulatorState } from './state.ts';

/** Rules are small; a megabyte is a thousand of them with room to spare. */
const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

/** PUT /_sim/faults: the rules themselves are checked one by one, so errors name `rules.N.field`. */
const replaceBodySchema = z.strictObject({ rules: z.array(z.unknown()) });

/** Handles one request under /_sim. Never rejects. */
export async function handleAdmin(state: SimulatorState, request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
  const exchange = new Exchange(request, response);
  try {
    const body = await readJson(request);
    route(state, exchange, request.method ?? 'GET', path, body);
  } catch (error) {
    if (exchange.closed) return;
    if (error instanceof InvalidFaultRuleError) {
      exchange.sendError(400, { message: error.message, param: error.field });
    } else if (error instanceof SyntaxError) {
      exchange.sendError(400, { message: `the body is not valid JSON: ${error.message}` });
    } else if (error instanceof BodyTooLargeError) {
      exchange.sendError(413, { message: error.message }, { connection: 'close' });
    } else {
      exchange.sendError(500, { message: 'The simulator admin API failed unexpectedly.' });
    }
  }
}

function route(state: SimulatorState, exchange: Exchange, method: string, path: string, body: unknown): void {
  const send = (json: unknown, status = 200): void => exchange.sendJson(status, JSON.stringify(json));
  const { faults, stats, log, rateLimiter } = state;
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /_sim/health':
      return send({ status: 'ok' });
    case 'GET /_sim/faults':
      return send({ rules: faults.list() });
    case 'PUT /_sim/faults': {
      const { rules } = parseOrThrow(replaceBodySchema, body);
      const ids = faults.set(rules);
      return send({ ids, rules: faults.list() });
    }
    case 'POST /_sim/faults':
      return send({ id: faults.add(body) }, 201);
    case 'DELETE /_sim/faults':
      return send({ removed: faults.clear() });
    case 'GET /_sim/rate-limit':
      return send({ rate_limit: rateLimiter.view() });
    case 'PUT /_sim/rate-limit':
      rateLimiter.set(parseOrThrow(rateLimitBodySchema, body));
      return send({ rate_limit: rateLimiter.view() });
    case 'DELETE /_sim/rate-limit':
      rateLimiter.set(undefined);
      return send({ rate_limit: null });
    case 'GET /_sim/stats':
      return send(stats.snapshot());
    case 'POST /_sim/stats/reset':
      stats.reset();
      return send({ ok: true });
    case 'GET /_sim/requests':
      return send({ requests: log.entries() });
    case 'POST /_sim/reset':
      resetState(state);
      return send({ ok: true });
  }
  if (method === 'DELETE' && path.startsWith('/_sim/faults/')) {
    // Ids are limited to characters that never need percent-encoding.
    const id = path.slice('/_sim/faults/'.length);
    if (faults.remove(id)) return send({ removed: 1 });
    return exchange.sendError(404, { message: `no fault rule with id ${id}`, param: 'id', code: 'not_found' });
  }
  exchange.sendError(404, { message: `Unknown simulator admin endpoint: ${method} ${path}`, code: 'unknown_url' });
}

/** The body parsed as JSON, or undefined when there is none. Throws SyntaxError on bad JSON. */
async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = await readBody(request, ADMIN_BODY_LIMIT_BYTES);
  return text.trim().length === 0 ? undefined : (JSON.parse(text) as unknown);
}
