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
    { route: 'GET /admin/console/state', method: 'GET', target: fc.constant('/admin/console/state'), auth: 'admin' },
    ...(['batches', 'imports'] as const).map((kind): RouteShape => ({ route: `POST /admin/${kind}/:id/cancel`, method: 'POST', target: segment(`${kind === 'batches' ? 'batch' : 'import'}_none`).map((id) => `/admin/${kind}/${id}/cancel`), auth: 'admin' })),
    { route: 'GET /console', method: 'GET', target: fc.constantFrom('/console', '/console?next=%2Fadmin', '/console/'), auth: 'none' },
    {
      route: 'POST /console/login',
      method: 'POST',
      target: fc.constant('/console/login'),
      validBody: fc.record({ token: fc.oneof(fc.string({ maxLength: 64 }), fc.constant(`${fixtures.adminToken}x`)) }),
      auth: 'none',
    },
    { route: 'POST /console/logout', method: 'POST', target: fc.constant('/console/logout'), auth: 'none' },
    { route: 'GET /console/assets/*', method: 'GET', target: fc.oneof(fc.constantFrom('app.mjs', 'console.css', 'views/jobs.mjs', '../pages.ts', '..%2F..%2Fpackage.json', 'views/../app.mjs'), segment('nothing.mjs')).map((file) => `/console/assets/${file}`), auth: 'none' },
    { route: 'GET /console/vendor/:file', method: 'GET', target: fc.oneof(fc.constantFrom('preact.mjs', 'uplot.css', 'package.json', '..%2Fpreact.mjs'), segment('nothing.mjs')).map((file) => `/console/vendor/${file}`), auth: 'none' },
    ...ODD_METHODS.map((method): RouteShape => ({
      route: `${method} (unrouted)`,
      method,
      target: fc.oneof(fc.constantFrom(...STRANGE_PATHS, '/v1/chat/completions', '/v1/models', '/v1/files', '/health/live', '/metrics', '/admin/circuit-breakers'), fc.webPath().map((path) => path || '/')),
      auth: 'client',
    })),
  ];
}
