/** Every route Levee serves (and some it does not), as one generator of requests, weighted by depth. */
import fc from 'fast-check';
import type { FuzzRequest } from './fuzz-request.ts';
import { requestsFor, type FuzzFixtures } from './request-shape.ts';
import { eventRequests } from './routes-events.ts';
import { jobRoutes } from './routes-jobs.ts';
import { llmRoutes } from './routes-llm.ts';
import { opsRoutes } from './routes-ops.ts';
import { retrievalRoutes } from './routes-retrieval.ts';

/** Routes with the most to validate get more of the requests. */
const WEIGHTS: Readonly<Record<string, number>> = {
  'POST /v1/chat/completions': 6,
  'POST /v1/files': 4,
  'POST /v1/embeddings': 3,
  'POST /v1/collections/:name/documents': 3,
  'POST /v1/collections/:name/search': 3,
  'POST /v1/batches': 3,
  'POST /v1/collections': 2,
  'POST /v1/collections/:name/imports': 2,
};
const WEBSOCKET_WEIGHT = 6;

export function fuzzRequests(fixtures: FuzzFixtures, limits: { fileMaxBytes: number }): fc.Arbitrary<FuzzRequest> {
  const shapes = [...llmRoutes, ...retrievalRoutes(fixtures), ...jobRoutes(fixtures, limits.fileMaxBytes), ...opsRoutes(fixtures)];
  return fc.oneof(
    ...shapes.map((shape) => ({ weight: WEIGHTS[shape.route] ?? 1, arbitrary: requestsFor(shape, fixtures) })),
    { weight: WEBSOCKET_WEIGHT, arbitrary: eventRequests(fixtures) },
  );
}
