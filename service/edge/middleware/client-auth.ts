/**
 * `/v1` takes `Authorization: Bearer <key>` when API keys are configured: missing or unknown keys
 * get 401 in OpenAI's shape (as OpenAI answers a bad key). The key's name becomes the client's
 * identity (`ctx.state.client`) for logs, spans and limits; the key itself goes nowhere.
 */
import { LeveeError } from '../../errors.ts';
import type { ApiKeyRegistry } from '../../features/access/api-key-registry.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import type { LeveeMiddleware } from '../state.ts';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

export function requireClientKey(registry: ApiKeyRegistry, metrics: Metrics): LeveeMiddleware {
  for (const reason of ['missing', 'invalid']) metrics.authFailures.inc({ reason }, 0);
  return async (ctx, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(ctx.get('Authorization'));
    if (!match) {
      metrics.authFailures.inc({ reason: 'missing' });
      throw new LeveeError('unauthorized', "You didn't provide an API key. Send it as Authorization: Bearer <key>.", { headers: CHALLENGE });
    }
    const client = registry.identify(match[1]!);
    if (client === undefined) {
      metrics.authFailures.inc({ reason: 'invalid' });
      throw new LeveeError('unauthorized', 'Incorrect API key provided.', { headers: CHALLENGE });
    }
    ctx.state.client = client;
    await next();
  };
}
