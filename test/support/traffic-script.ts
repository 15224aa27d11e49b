/**
 * Named traffic-and-fault scripts: traffic a real client would send to Levee, plus faults injected
 * into the simulator behind it, in written-out phases. Each script is bounded in time and request
 * count and returns what happened (statuses, error codes, cache answers, completed streams) so the
 * caller can check the script really did what it says before trusting anything measured during it.
 *
 * Used by the dashboards' "every panel returns data" test; meant to be reused by benchmarks and
 * chaos runs, so it depends on nothing but fetch, a WebSocket client and the simulator's
 * in-process handle.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import type { FaultRuleInput } from '../../simulator/fault-rules.ts';
import type { SimulatorHandle } from '../../simulator/server.ts';

export interface TrafficTarget {
  /** Levee's base URL, e.g. `http://127.0.0.1:8080`. */
  leveeUrl: string;
  /** The simulator Levee's LLM_BASE_URL points at; the script owns its fault rules while it runs. */
  simulator: SimulatorHandle;
  /** Sent with every request (e.g. an Authorization header when Levee requires API keys). */
  headers?: Record<string, string>;
}

export type PhaseName = 'setup' | 'healthy' | 'outage' | 'recovery' | 'teardown';
export type RequestKind =
  | 'chat'
  | 'chat-cacheable'
  | 'chat-stream'
  | 'embeddings-repeated'
  | 'embeddings-new'
  | 'search-repeated'
  | 'search-new'
  | 'collection';

/** Counts keyed by HTTP status as a string ('200', '503'; '0' for a network error or timeout). */
export type StatusCounts = Record<string, number>;

export interface PhaseSummary {
  name: PhaseName;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  requests: number;
  byStatus: StatusCounts;
}

export interface TrafficSummary {
  script: string;
  /** Epoch milliseconds: first request sent, last answer read. */
  startedAt: number;
  endedAt: number;
  phases: PhaseSummary[];
  requests: number;
  byStatus: StatusCounts;
  byKind: Record<RequestKind, StatusCounts>;
  /** OpenAI-shaped error codes of non-2xx answers: `dependency_unavailable` (breaker fast-fail), `upstream_error`, ... */
  byErrorCode: Record<string, number>;
  /** `X-Cache` answers of cacheable requests. */
  cache: { HIT: number; MISS: number; STALE: number };
  /** Streams that answered 200 and ended with `data: [DONE]`. */
  completedStreams: number;
  /** Milliseconds from the start of the outage to the first breaker fast-fail (undefined: it never opened). */
  breakerOpenedAfterMs: number | undefined;
  /** The LLM breaker's state (GET /health/circuit-breakers) when the script ended. */
  llmBreakerStateAtEnd: string;
  /** Messages the live-notifications connection received (its welcome and the pong at least). */
  eventMessages: number;
}

/** Longest any one request may take before it counts as status 0. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A safety net on top of the phase deadlines: the script never sends more than this. */
const MAX_REQUESTS = 1_500;

const CHAT_MODEL = 'gpt-4o-mini';
const EMBEDDING_MODEL = 'text-embedding-3-small';
const EMBEDDING_DIMENSION = 1536;

/** A healthy upstream is not instant: every call takes ~15 ms, a few up to ~120 ms. */
const HEALTHY_LATENCY: FaultRuleInput = {
  id: 'traffic-latency',
  route: '*',
  fault: { type: 'latency', distribution: { kind: 'long-tail', medianMs: 15, p99Ms: 120 } },
};
/** The provider answers every call (chat, embeddings, models) with a 500. */
const PROVIDER_OUTAGE: FaultRuleInput = { id: 'traffic-outage', route: '*', fault: { type: 'error', status: 500 } };

/** Load pacing: a round of mixed traffic starts at most this often (the script's cadence below). */
const ROUND_EVERY_MS = 150;

/**
 * `mixedTrafficWithLlmOutage`: mixed healthy traffic, then a whole-provider outage long enough to
 * open Levee's LLM breaker, then recovery. About 20 s and a few hundred requests against a Levee
 * with test policies (LLM_BREAKER_HALF_OPEN_AFTER_MS ~1 s, short retry backoff, no per-IP rate
 * limit that 150 requests a second would hit). Step by step:
 *
 * 0. Setup: installs a healthy latency on the simulator (median 15 ms, p99 120 ms, every route);
 *    creates a collection `traffic-<run id>` and upserts 6 documents (the embedded Postgres starts
 *    on first use: this can take seconds); opens a live-notifications WebSocket (`/v1/events`),
 *    sends it a ping and waits for the pong, and holds it open until the teardown.
 * 1. Healthy, 8 s: every ~150 ms one round of, concurrently,
 *    - a chat completion (not cacheable: no temperature, no seed),
 *    - a chat completion with `temperature: 0` from a set of 3 prompts (chat cache: 3 misses, then hits),
 *    - a streamed chat completion (read to `[DONE]`: time to first token),
 *    - an embedding of one of 3 texts (embeddings cache: hits after the first 3) and one of a new text (miss),
 *    - a search with one of 3 queries (search cache: hits after the first 3); every 4th round a new
 *      query, sent twice at once (a miss, and a single-flight join or a second miss).
 * 2. Outage: the simulator answers every /v1 call with 500. Waves of 20 concurrent uncached chat
 *    completions (each retried, within the retry budget; five failures in a row open the breaker,
 *    usually before any call has used all its attempts) until Levee answers 503
 *    dependency_unavailable, i.e. the breaker has opened (at most 8 s); then 2 s more
 *    of healthy-phase rounds against the open breaker: uncached calls fail fast with 503, cached
 *    ones (repeated embeddings, searches, temperature-0 chats) are still 200 HITs. With a ~1 s
 *    half-open delay the breaker also probes (and re-opens) during these 2 s.
 * 3. Recovery: the outage rule is removed; healthy-phase rounds continue until GET
 *    /health/circuit-breakers reports the LLM breaker closed (a half-open probe and a second good
 *    call close it), then 1 s more; at most 8 s in all.
 * 4. Teardown: closes the WebSocket, deletes the collection and removes the script's fault rules.
 */
export async function mixedTrafficWithLlmOutage(target: TrafficTarget): Promise<TrafficSummary> {
  const run = randomUUID().slice(0, 8);
  const collection = `traffic-${run}`;
  const recorder = new Recorder('mixedTrafficWithLlmOutage', target);
  const { simulator } = target;
  let events: EventsConnection | undefined;

  // 0. Setup.
  recorder.phase('setup');
  simulator.setFaults([HEALTHY_LATENCY]);
  try {
    await recorder.send('collection', 'POST', '/v1/collections', { name: collection, model: EMBEDDING_MODEL, dimension: EMBEDDING_DIMENSION }, { expect: 200 });
    const documents = ['rivers flood in spring', 'levees hold water back', 'breakers open on failures', 'caches answer repeats', 'streams send tokens', 'quotas bound the spend']
      .map((text, index) => ({ id: `doc-${index}`, text, metadata: { index } }));
    await recorder.send('collection', 'POST', `/v1/collections/${collection}/documents`, { documents }, { expect: 200 });
    events = await openEvents(target);

    let round = 0;
    /** One round of mixed traffic: each request concurrently, answers all read. */
    const mixedRound = async () => {
      const i = round++;
      const requests: Array<Promise<unknown>> = [
        recorder.send('chat', 'POST', '/v1/chat/completions', { model: CHAT_MODEL, max_tokens: 16, messages: [{ role: 'user', content: `Tell me about rivers, round ${i} of ${run}` }] }),
        recorder.send('chat-cacheable', 'POST', '/v1/chat/completions', { model: CHAT_MODEL, temperature: 0, max_tokens: 16, messages: [{ role: 'user', content: `What is a levee? (${run}, variant ${i % 3})` }] }),
        recorder.stream({ model: CHAT_MODEL, stream: true, max_tokens: 16, messages: [{ role: 'user', content: `Stream about floods, round ${i} of ${run}` }] }),
        recorder.send('embeddings-repeated', 'POST', '/v1/embeddings', { model: EMBEDDING_MODEL, input: `repeated text ${i % 3} of ${run}` }),
        recorder.send('embeddings-new', 'POST', '/v1/embeddings', { model: EMBEDDING_MODEL, input: `new text ${i} of ${run}` }),
        recorder.send('search-repeated', 'POST', `/v1/collections/${collection}/search`, { query: ['how do levees work', 'what opens a breaker', 'why cache'][i % 3], top_k: 3 }),
      ];
      if (i % 4 === 0) {
        // Two identical new searches at once: one miss computes, the other joins it (single-flight).
        const search = { query: `new question ${i} of ${run}`, top_k: 3 };
        requests.push(recorder.send('search-new', 'POST', `/v1/collections/${collection}/search`, search));
        requests.push(recorder.send('search-new', 'POST', `/v1/collections/${collection}/search`, search));
      }
      await Promise.all(requests);
    };
    const roundsFor = async (ms: number, until?: () => Promise<boolean>) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline && !recorder.exhausted()) {
        await Promise.all([mixedRound(), delay(ROUND_EVERY_MS)]);
        if (until && (await until())) return true;
      }
      return false;
    };

    // 1. Healthy.
    recorder.phase('healthy');
    await roundsFor(8_000);

    // 2. Outage: open the breaker, then keep calling into the open breaker.
    recorder.phase('outage');
    const outageStarted = Date.now();
    simulator.setFaults([HEALTHY_LATENCY, PROVIDER_OUTAGE]);
    let wave = 0;
    while (Date.now() - outageStarted < 8_000 && !recorder.exhausted()) {
      const w = wave++;
      const codes = await Promise.all(Array.from({ length: 20 }, (_, n) =>
        recorder.send('chat', 'POST', '/v1/chat/completions', { model: CHAT_MODEL, max_tokens: 16, messages: [{ role: 'user', content: `Outage wave ${w} call ${n} of ${run}` }] }),
      ));
      if (codes.includes('dependency_unavailable')) {
        recorder.breakerOpenedAfterMs = Date.now() - outageStarted;
        break;
      }
    }
    await roundsFor(2_000);

    // 3. Recovery.
    recorder.phase('recovery');
    simulator.setFaults([HEALTHY_LATENCY]);
    if (await roundsFor(7_000, async () => (await recorder.llmBreakerState()) === 'closed')) await roundsFor(1_000);
  } finally {
    // 4. Teardown, also after a failure: the connection and the collection go, the simulator is left as found (no rules).
    recorder.phase('teardown');
    await events?.close();
    await recorder.send('collection', 'DELETE', `/v1/collections/${collection}`, undefined).catch(() => undefined);
    simulator.clearFaults();
  }
  return recorder.summary(await recorder.llmBreakerState(), events?.received() ?? 0);
}

interface EventsConnection {
  /** Messages received so far. */
  received(): number;
  close(): Promise<void>;
}

/** A `/v1/events` connection, open once its welcome came and a ping was answered with a pong. */
async function openEvents(target: TrafficTarget): Promise<EventsConnection> {
  const socket = new WebSocket(`${target.leveeUrl.replace(/^http/, 'ws')}/v1/events`, { headers: target.headers ?? {} });
  const types: string[] = [];
  socket.on('message', (data) => types.push(String((JSON.parse(String(data)) as { type?: unknown }).type)));
  const deadline = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  await once(socket, 'open', { signal: deadline });
  // Past the handshake an error ends in 'close' (which `close()` awaits); nothing to throw.
  socket.on('error', () => {});
  socket.send(JSON.stringify({ type: 'ping' }));
  while (!types.includes('pong')) await once(socket, 'message', { signal: deadline });
  if (types[0] !== 'welcome') throw new Error(`traffic script: /v1/events sent ${types.join(', ')}, not a welcome first`);
  return {
    received: () => types.length,
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}

/** Sends requests and counts what came back, per phase. */
class Recorder {
  readonly #script: string;
  readonly #target: TrafficTarget;
  readonly #startedAt = Date.now();
  readonly #phases: PhaseSummary[] = [];
  readonly #byStatus: StatusCounts = {};
  readonly #byKind = {} as Record<RequestKind, StatusCounts>;
  readonly #byErrorCode: Record<string, number> = {};
  readonly #cache = { HIT: 0, MISS: 0, STALE: 0 };
  #requests = 0;
  #completedStreams = 0;
  breakerOpenedAfterMs: number | undefined;

  constructor(script: string, target: TrafficTarget) {
    this.#script = script;
    this.#target = target;
  }

  phase(name: PhaseName): void {
    const now = Date.now();
    const current = this.#phases.at(-1);
    if (current) current.endedAt = now;
    this.#phases.push({ name, startedAt: now, endedAt: now, requests: 0, byStatus: {} });
  }

  exhausted(): boolean {
    return this.#requests >= MAX_REQUESTS;
  }

  /**
   * One JSON request, its answer read whole. Resolves to the error code of a non-2xx answer ('' for
   * a 2xx, 'network_error' when no answer came); with `expect`, throws on any other status.
   */
  async send(kind: RequestKind, method: string, path: string, body: unknown, options: { expect?: number } = {}): Promise<string> {
    const answer = await this.#fetch(method, path, body);
    const code = answer.ok ? '' : await errorCode(answer.response);
    if (answer.response && answer.ok) await answer.response.arrayBuffer();
    this.#count(kind, answer.status, code, answer.response?.headers.get('x-cache'));
    if (options.expect !== undefined && answer.status !== options.expect) {
      throw new Error(`traffic script: ${method} ${path} answered ${answer.status} ${code}, expected ${options.expect}`);
    }
    return code;
  }

  /** One streamed chat completion, read to the end; complete when 200 and `[DONE]` arrived. */
  async stream(body: unknown): Promise<string> {
    const answer = await this.#fetch('POST', '/v1/chat/completions', body);
    let code = '';
    if (answer.ok && answer.response) {
      const text = await answer.response.text().catch(() => '');
      if (text.includes('data: [DONE]')) this.#completedStreams++;
      else code = 'stream_incomplete';
    } else {
      code = await errorCode(answer.response);
    }
    this.#count('chat-stream', answer.status, code, null);
    return code;
  }

  async llmBreakerState(): Promise<string> {
    try {
      const response = await fetch(`${this.#target.leveeUrl}/health/circuit-breakers`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const body = (await response.json()) as { circuit_breakers?: Record<string, { state?: string }> };
      return body.circuit_breakers?.['llm/default']?.state ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }

  summary(llmBreakerStateAtEnd: string, eventMessages: number): TrafficSummary {
    const endedAt = Date.now();
    const current = this.#phases.at(-1);
    if (current) current.endedAt = endedAt;
    return {
      script: this.#script,
      startedAt: this.#startedAt,
      endedAt,
      phases: this.#phases,
      requests: this.#requests,
      byStatus: this.#byStatus,
      byKind: this.#byKind,
      byErrorCode: this.#byErrorCode,
      cache: this.#cache,
      completedStreams: this.#completedStreams,
      breakerOpenedAfterMs: this.breakerOpenedAfterMs,
      llmBreakerStateAtEnd,
      eventMessages,
    };
  }

  async #fetch(method: string, path: string, body: unknown): Promise<{ status: number; ok: boolean; response: Response | undefined }> {
    this.#requests++;
    try {
      const response = await fetch(`${this.#target.leveeUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.#target.headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: response.status, ok: response.ok, response };
    } catch {
      return { status: 0, ok: false, response: undefined };
    }
  }

  #count(kind: RequestKind, status: number, code: string, cache: string | null | undefined): void {
    const key = String(status);
    const phase = this.#phases.at(-1);
    if (phase) {
      phase.requests++;
      phase.byStatus[key] = (phase.byStatus[key] ?? 0) + 1;
    }
    this.#byStatus[key] = (this.#byStatus[key] ?? 0) + 1;
    const byKind = (this.#byKind[kind] ??= {});
    byKind[key] = (byKind[key] ?? 0) + 1;
    if (code) this.#byErrorCode[code] = (this.#byErrorCode[code] ?? 0) + 1;
    if (cache === 'HIT' || cache === 'MISS' || cache === 'STALE') this.#cache[cache]++;
  }
}

/** The `error.code` of an OpenAI-shaped error body ('network_error' without an answer). */
async function errorCode(response: Response | undefined): Promise<string> {
  if (!response) return 'network_error';
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : `http_${response.status}`;
  } catch {
    return `http_${response.status}`;
  }
}
