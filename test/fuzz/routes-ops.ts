/**
 * Everything outside the OpenAI API: health probes, metrics, the admin routes, the WebSocket
 * endpoints asked for without the handshake, unknown paths and wrong methods. An isolation with
 * the right token never names a real breaker: an isolated provider would answer every later chat
 * with a (deliberate, correct) 503 and hide what is under test.
 */
import fc from 'fast-check';
import { segment } from './paths.ts';
import type { FuzzFixtures, RouteShape } from './request-shape.ts';

const HEALTH = ['/health', '/health/live', '/health/ready', '/health/detailed', '/health/cache', '/health/jobs', '/health/circuit-breakers', '/metrics'];

const STRANGE_PATHS = [
  '/', '*', '//v1//models', '/V1/MODELS', '/v1', '/v1/', '/v1/chat/completions/extra', '/v1/files/../batches', '/v1/%2e%2e/health', '/health/live/', '/health/live?x=%zz',
  '/_sim/reset', '/admin', '/admin/circuit-breakers/', 'http://evil.example/v1/models', '/v1/collections//documents', '/v1/batches/%00/cancel', `/${'a'.repeat(3_000)}`,
];

/** Methods with a route on these paths, and ones without (some are not even valid tokens). */
const ODD_METHODS = ['PUT', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD', 'FOO', 'M-SEARCH', 'PROPFIND', 'DELETE', 'POST', 'GET'];

export function opsRoutes(fixtures: FuzzFixtures): RouteShape[] {
  const realBreaker = fixtures.breakers.length > 0 ? fc.constantFrom(...fixtures.breakers) : fc.constant('postgres');
  return [
    ...HEALTH.map((path): RouteShape => ({ route: `GET ${path}`, method: 'GET', target: fc.constantFrom(path, `${path}?verbose=1`), auth: 'none' })),
    { route: 'GET /admin/circuit-breakers', method: 'GET', target: fc.constant('/admin/circuit-breakers'), auth: 'admin' },
    { route: 'POST /admin/circuit-breakers/:name/reset', method: 'POST', target: fc.oneof(realBreaker, segment('no-such-breaker')).map((name) => `/admin/circuit-breakers/${name}/reset`), auth: 'admin' },
    { route: 'POST /admin/circuit-breakers/:name/isolate', method: 'POST', target: fc.oneof(segment('no-such-breaker'), fc.constant('llm/no-such-provider')).map((name) => `/admin/circuit-breakers/${name}/isolate`), auth: 'admin' },
    { route: 'GET /v1/events (no upgrade)', method: 'GET', target: fc.constant('/v1/events'), auth: 'client' },
    { route: 'GET /admin/events (no upgrade)', method: 'GET', target: fc.constant('/admin/events'), auth: 'admin' },
    ...ODD_METHODS.map((method): RouteShape => ({
      route: `${method} (unrouted)`,
      method,
      target: fc.oneof(fc.constantFrom(...STRANGE_PATHS, '/v1/chat/completions', '/v1/models', '/v1/files', '/health/live', '/metrics', '/admin/circuit-breakers'), fc.webPath().map((path) => path || '/')),
      auth: 'client',
    })),
  ];
}
