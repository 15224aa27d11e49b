/**
 * Which /v1 routes each rate-limit route group (config/rate-limits.ts) covers. Endpoint groups go
 * by route pattern, so a route added under a family's path joins its group; `ai` lists the routes
 * that call the LLM on the client's behalf, by method, since reading a collection's documents
 * costs no LLM call where adding them does. route-groups.test.ts holds every mounted /v1 route to
 * an endpoint group.
 */
import type { RouteGroup } from '../config/rate-limits.ts';

/** The route label of /v1 paths no route serves: only `all` covers it. */
export const UNMATCHED_ROUTE = 'unmatched';

type EndpointGroup = Exclude<RouteGroup, 'all' | 'ai'>;

/** First match wins: imports live under /v1/collections, but are not retrieval. */
const ENDPOINT_GROUPS: ReadonlyArray<[EndpointGroup, RegExp]> = [
  ['chat', /^\/v1\/chat\//],
  ['embeddings', /^\/v1\/embeddings$/],
  ['models', /^\/v1\/models(\/|$)/],
  ['files', /^\/v1\/files(\/|$)/],
  ['batches', /^\/v1\/batches(\/|$)/],
  ['imports', /^\/v1\/collections\/:name\/imports(\/|$)/],
  ['retrieval', /^\/v1\/collections(\/|$)/],
  ['conversations', /^\/v1\/conversations(\/|$)/],
  ['events', /^\/v1\/events$/],
];

/** Chat completions, embeddings, and the retrieval routes that embed (search, document upserts). */
const AI_ROUTES: ReadonlyArray<[method: string, route: string]> = [
  ['POST', '/v1/chat/completions'],
  ['POST', '/v1/embeddings'],
  ['POST', '/v1/collections/:name/search'],
  ['POST', '/v1/collections/:name/documents'],
];

/** The endpoint family a route pattern belongs to; undefined for `unmatched`. */
export function endpointGroupOf(route: string): EndpointGroup | undefined {
  return ENDPOINT_GROUPS.find(([, pattern]) => pattern.test(route))?.[0];
}

/** Whether `group` covers some request to this route pattern (with any method). */
export function groupTouchesRoute(group: RouteGroup, route: string): boolean {
  if (group === 'all') return true;
  if (group === 'ai') return AI_ROUTES.some(([, aiRoute]) => aiRoute === route);
  return endpointGroupOf(route) === group;
}

/** Whether `group` covers a request with this method to this route pattern. */
export function groupCoversRequest(group: RouteGroup, route: string, method: string): boolean {
  if (group === 'ai') return AI_ROUTES.some(([aiMethod, aiRoute]) => aiRoute === route && aiMethod === method);
  return groupTouchesRoute(group, route);
}
