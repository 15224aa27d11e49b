/**
 * Routes only the tests mount (the app factory takes extra routes): a slow route that records how
 * its signal ended, a validated JSON echo, and a route that fails with an internal error.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../../service/errors.ts';
import type { PostgresDependency } from '../../service/deps/postgres/postgres-dependency.ts';
import type { RouteModule } from '../../service/edge/route-tools.ts';

/** What the slow route saw, for tests running the app in-process. */
export const observed = {
  inFlight: 0,
  abortReasons: [] as unknown[],
};

const echoSchema = z.object({
  name: z.string().min(1),
  items: z.array(z.object({ n: z.number().int() })).max(10).optional(),
});

export const testRoutes: RouteModule = (router, { json }) => {
  router.get('/test/slow', async (ctx) => {
    const ms = Number(ctx.query.ms ?? 1000);
    const signal = ctx.state.deadline.signal;
    observed.inFlight += 1;
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          observed.abortReasons.push(signal.reason);
          resolve();
        }, { once: true });
      });
    } finally {
      observed.inFlight -= 1;
    }
    ctx.body = { slept_ms: ms, aborted: signal.aborted };
  });

  router.get('/test/in-flight', (ctx) => {
    ctx.body = { in_flight: observed.inFlight };
  });

  router.post('/test/echo', json, (ctx) => {
    const parsed = echoSchema.safeParse(ctx.state.body);
    if (!parsed.success) throw InvalidRequestError.fromZod(parsed.error);
    ctx.body = parsed.data;
  });

  router.get('/test/ip', (ctx) => {
    ctx.body = { ip: ctx.ip };
  });

  router.get('/test/boom', () => {
    throw new Error('database password mismatch at internal-host:5432');
  });
};

/**
 * The test routes plus one that holds the vector store busy: `SELECT pg_sleep` under the store's
 * `search` policies, so a test can watch a slow query being cut at its timeout while the rest of
 * Levee keeps answering.
 */
export function withStoreRoutes(routes: RouteModule, postgres: PostgresDependency): RouteModule {
  return (router, tools) => {
    routes(router, tools);
    router.get('/test/slow-query', async (ctx) => {
      const ms = Number(ctx.query.ms ?? 1000);
      await postgres.query('search', (client) => client.query('SELECT pg_sleep($1)', [ms / 1000]), ctx.state.deadline.signal);
      ctx.body = { slept_ms: ms };
    });
  };
}
