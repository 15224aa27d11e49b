/** What the edge keeps per request in `ctx.state`. */
import type { Middleware, ParameterizedContext } from 'koa';
import type { LeveeError } from '../errors.ts';
import type { RateLimitDecision } from '../features/access/inbound-rate-limits.ts';
import type { ServedBy } from '../features/models/served.ts';
import type { Deadline } from '../resilience/deadline.ts';

export interface LeveeState {
  /** Echoed as `X-Request-Id` and in every error body. */
  requestId: string;
  /** The request's deadline; its signal goes into every dependency call. */
  deadline: Deadline;
  /** The parsed JSON body, set by the `jsonBody` route middleware. */
  body: unknown;
  /** True while the request body is being read: a deadline running out then is the client's delay (408). */
  receivingBody?: boolean;
  /** The client's name from API_KEYS (never the key), once its key is verified: logs, spans, limits. */
  client?: string;
  /** The rate-limit decision reported in the RateLimit-* headers (the tightest: a refusal, else the fewest left). */
  rateLimit?: RateLimitDecision;
  /** What served the LLM call (provider, model, attempts), for headers and the request's log line. */
  served?: ServedBy;
  /** The error the response was rendered from, for the request's log line. */
  error?: LeveeError;
}

export type LeveeMiddleware = Middleware<LeveeState>;
export type LeveeContext = ParameterizedContext<LeveeState>;
