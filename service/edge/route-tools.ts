/** What a route module gets: the router and the tools every route may put in front of its handler. */
import type { Router } from '@koa/router';
import type { LeveeMiddleware, LeveeState } from './state.ts';

export interface RouteTools {
  /** Parses a JSON body into ctx.state.body, with the configured size limit. */
  json: LeveeMiddleware;
  /** Idempotency-Key handling for a POST route (after `json`: the body is part of the record); none when not configured. */
  idempotent: (route: string) => LeveeMiddleware[];
}

export type RouteModule = (router: Router<LeveeState>, tools: RouteTools) => void;
