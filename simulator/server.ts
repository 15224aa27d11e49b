/**
 * The simulator's entry point as a library: an OpenAI-compatible upstream on a real port, with
 * fault injection, counters and a request log, started in-process by Levee (its default
 * upstream), tests, benchmarks and the demo stack. Plain node:http, no framework: it is the
 * upstream in throughput benchmarks and must cost next to nothing per request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.ts';
import { openAIErrorBody } from './openai-errors.ts';
import { checkRateLimit, type RateLimit } from './rate-limit.ts';
import { checkModels } from './routes/models.ts';
import type { FaultRuleInput } from './fault-rules.ts';
import type { FaultRuleView } from './faults.ts';
import type { RequestLogEntry } from './request-log.ts';
import { createState, resetState, type SimulatorState } from './state.ts';
import type { StatsSnapshot } from './stats.ts';
import { handleV1 } from './v1.ts';

/** How to start a simulator. */
export interface SimulatorOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Seeds fault decisions, latency samples and completion text. Default 42. */
  seed?: number;
  /** Embedding size for models without a known size. Default 1536. */
  embeddingDimension?: number;
  /** When set, every /v1 request must carry `Authorization: Bearer <apiKey>`, else 401. Default unset. */
  apiKey?: string;
  /**
   * The only models served: GET /v1/models lists exactly these, and a chat or embeddings request
   * for any other model gets OpenAI's 404 `model_not_found`. Default unset: any model is served
   * and a few well-known ones are listed. Embedding sizes are unaffected (known OpenAI models keep
   * theirs, others get `embeddingDimension`).
   */
  models?: readonly string[];
  /**
   * A request rate limit on chat and embeddings with OpenAI's x-ratelimit-*-requests headers and
   * a 429 `rate_limit_exceeded` once used up. Default unset (no limit, no headers). Changeable at
   * run time ({@link SimulatorHandle.setRateLimit}, PUT /_sim/rate-limit); a reset restores this.
   */
  rateLimit?: RateLimit;
}

/** A running simulator. */
export interface SimulatorHandle {
  /** Base URL including /v1, as OpenAI SDKs take it: `http://127.0.0.1:1234/v1`. */
  readonly url: string;
  /** Scheme, host and port: `http://127.0.0.1:1234` (the admin API lives under `/_sim`). */
  readonly origin: string;
  readonly port: number;
  /** Replaces every fault rule; throws InvalidFaultRuleError (naming the field) on a bad rule. Returns the ids. */
  setFaults(rules: readonly FaultRuleInput[]): string[];
  /** Adds one rule after the others and returns its id. */
  addFault(rule: FaultRuleInput): string;
  /** Removes one rule; false when no rule has that id. */
  removeFault(id: string): boolean;
  clearFaults(): void;
  /**
   * Replaces the rate limit (undefined turns it off) and starts counting afresh; throws RangeError
   * on a bad limit. PUT / DELETE /_sim/rate-limit.
   */
  setRateLimit(limit: RateLimit | undefined): void;
  /** The installed rules with their ids and remaining counts. */
  faults(): FaultRuleView[];
  stats(): StatsSnapshot;
  resetStats(): void;
  /** The most recent /v1 requests, oldest first, credentials redacted. */
  requests(): RequestLogEntry[];
  /** Clears faults, counters and the request log, reseeds, restores the start rate limit: POST /_sim/reset. */
  reset(): void;
  /** Stops listening and destroys every open socket, hanging ones included. */
  close(): Promise<void>;
}

const DEFAULTS = { host: '127.0.0.1', port: 0, seed: 42, embeddingDimension: 1536 } as const;

/** Starts a simulator and resolves once it is listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const embeddingDimension = options.embeddingDimension ?? DEFAULTS.embeddingDimension;
  if (!Number.isInteger(embeddingDimension) || embeddingDimension < 1 || embeddingDimension > 65_536) {
    throw new RangeError(`embeddingDimension must be an integer from 1 to 65536, got ${embeddingDimension}`);
  }
  const state = createState({
    seed: (options.seed ?? DEFAULTS.seed) >>> 0,
    embeddingDimension,
    apiKey: options.apiKey === '' ? undefined : options.apiKey,
    models: options.models === undefined ? undefined : checkModels(options.models),
    rateLimit: options.rateLimit === undefined ? undefined : checkRateLimit(options.rateLimit),
  });
  // Longer than any client's idle timeout, so the client closes idle sockets, never the
  // simulator mid-reuse (which would show up as spurious resets in benchmarks).
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (request, response) =>
    dispatch(state, request, response),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULTS.port, options.host ?? DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/v1`,
    origin,
    port: address.port,
    setFaults: (rules) => state.faults.set(rules),
    addFault: (rule) => state.faults.add(rule),
    removeFault: (id) => state.faults.remove(id),
    clearFaults: () => void state.faults.clear(),
    setRateLimit: (limit) => state.rateLimiter.set(limit === undefined ? undefined : checkRateLimit(limit)),
    faults: () => state.faults.list(),
    stats: () => state.stats.snapshot(),
    resetStats: () => state.stats.reset(),
    requests: () => state.log.entries(),
    reset: () => resetState(state),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging and stalled requests would otherwise hold close() open forever.
        server.closeAllConnections();
      })),
  };
}

function dispatch(state: SimulatorState, request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.startsWith('/v1/')) {
    void handleV1(state, request, response, path);
  } else if (path.startsWith('/_sim/')) {
    void handleAdmin(state, request, response, path);
  } else {
    const body = openAIErrorBody(404, { message: `Unknown request URL: ${request.method} ${path}.`, code: 'unknown_url' });
    response.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
}
