/** What the edge keeps per request in `ctx.state`. */
import type { Middleware } from 'koa';
import type { LeveeError } from '../errors.ts';
import type { Deadline } from '../resilience/deadline.ts';

export interface LeveeState {
  /** Echoed as `X-Request-Id` and in every error body. */
  requestId: string;
  /** The request's deadline; its signal goes into every dependency call. */
  deadline: Deadline;
  /** The parsed JSON body, set by the `jsonBody` route middleware. */
  body: unknown;
  /** The error the response was rendered from, for the request's log line. */
  error?: LeveeError;
}

export type LeveeMiddleware = Middleware<LeveeState>;
