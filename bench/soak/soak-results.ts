/**
 * The shapes of a soak run: what the run records as it goes (answers, health and resource samples,
 * fault windows) and what `soak.json` keeps (bench/results/<date>/soak.json, read back by the
 * report). Times are milliseconds since the start of the traffic unless a name says otherwise.
 */
import type { Machine } from '../results.ts';

/** The three faults the schedule rotates through. */
export type FaultKind = 'provider-outage' | 'latency-shift' | 'redis-restart';

/** How a provider outage looks from Levee: HTTP 500 on every call, or nothing listening (the process SIGKILLed). */
type OutageMode = 'errors' | 'killed';

export interface FaultWindow {
  kind: FaultKind;
  /** Injected at `startMs`, removed at `endMs` (Redis: killed, then started again). */
  startMs: number;
  endMs: number;
  /** e.g. 'primary answers 500' or 'upstream latency 20 → 1500 ms'. */
  label: string;
  /** The provider that is down (provider outages only). */
  provider?: string;
  mode?: OutageMode;
}

/** What a request was, for the report's per-kind counts. */
export type TrafficKind =
  | 'chat'
  | 'chat-cacheable'
  | 'chat-stream'
  | 'embeddings'
  | 'search'
  | 'upsert'
  | 'conversation-turn'
  | 'conversation-read'
  | 'idempotent-first'
  | 'idempotent-resend'
  | 'collection'
  | 'batch';

/** One answer Levee gave (or did not give) to the soak's client. */
export interface AnswerRecord {
  kind: TrafficKind;
  /** Method and route pattern, e.g. `POST /v1/chat/completions`. */
  route: string;
  sentMs: number;
  endMs: number;
  /**
   * When the sequence this request belongs to began (a conversation's first turn, an idempotent
   * request's first send); a fault during the sequence may explain this answer too. Default `sentMs`.
   */
  sequenceStartMs?: number;
  /** 0: no answer (connection error or the client's own timeout). */
  status: number;
  /**
   * OpenAI error code of a non-2xx answer; or the soak's own: `network_error`, `client_timeout`,
   * `stream_error_event` (a 200 stream that ended with an error event), `stream_incomplete` (one
   * that ended with neither that nor [DONE]), `replay_missing`.
   */
  code?: string;
  /** The answer carried Retry-After. */
  retryAfter?: boolean;
  cache?: 'HIT' | 'MISS' | 'STALE';
  /** X-Levee-Provider. */
  provider?: string;
}

/** One reading of Levee's health endpoints (about every second). */
export interface HealthSample {
  t: number;
  /** `llm/<provider>` and the other breakers → state; empty when Levee did not answer. */
  breakers: Record<string, string>;
  /** `checks.redis.status` of /health/detailed ('absent' when missing, 'unreachable' when Levee did not answer). */
  redis: string;
  /** Shared-state features running on local state (`checks.redis.features.<f>.mode === 'local'`). */
  localFeatures: string[];
}

/** One reading of Levee's process (every few seconds). */
export interface ResourceSample {
  t: number;
  rssMiB: number;
  /** Entries in /proc/<pid>/fd. */
  openFds: number;
  /** The same by what they point to: socket, pipe, anon_inode, file. */
  fdsByKind: Record<string, number>;
  /** process.getActiveResourcesInfo(): ref'd handles, requests and timers keeping the loop alive. */
  activeResources: number;
  /** The same by type (TCPSocketWrap, Timeout, …). */
  resourcesByType: Record<string, number>;
  /** nodejs_eventloop_lag_p99_seconds from /metrics since the previous scrape, ms (absent when not read). */
  eventLoopLagP99Ms?: number;
  /** Levee's CPU since the previous sample, % of one core. */
  cpuPercent: number;
}

/**
 * The V8 heap right after a forced full GC (inspector: HeapProfiler.collectGarbage, then
 * Runtime.getHeapUsage). Taken a few times a minute only, in the quiet part of each minute: the GC
 * stops Levee's event loop for as long as it takes (`gcMs`).
 */
export interface HeapSample {
  /** When the GC was asked for. */
  t: number;
  heapAfterGcMiB: number;
  /** The same by V8 heap space (old_space, code_space, …): where growth is, if any. */
  spacesMiB: Record<string, number>;
  gcMs: number;
}

/** What a WebSocket subscriber to /v1/events saw. */
export interface SubscriberRecord {
  name: string;
  /** Messages received, by type. */
  messages: Record<string, number>;
  /** The last batch status it was told of. */
  lastBatchStatus?: string;
  /** Closes before the run ended it: time and close code (none expected, Redis outages included). */
  unexpectedCloses: Array<{ t: number; code: number }>;
}

export interface BatchRecord {
  id?: string;
  lines: number;
  createdMs?: number;
  /** When it reached a final status, and which. */
  finishedMs?: number;
  status?: string;
  requestCounts?: { total: number; completed: number; failed: number };
}

/** A figure with its limit and verdict. */
export interface SoakFigure {
  name: string;
  /** As shown in the report (with unit). */
  measured: string;
  limit: string;
  passed: boolean;
  /** How it was computed. */
  note: string;
}

/** A fault and whether (and how fast) Levee recovered after its window. */
export interface FaultRecovery {
  window: FaultWindow;
  /** ms after the window's end when the recovery criterion held; null: not within the run. */
  recoveredAfterMs: number | null;
  recovered: boolean;
  /** What was checked. */
  criterion: string;
  /** Answers in flight during the window (or its grace), by status. */
  answers: Record<string, number>;
}

/** An answer outside what its time allows. */
export interface UnexpectedAnswer {
  t: number;
  kind: TrafficKind;
  route: string;
  status: number;
  code?: string;
  /** The fault window it overlapped, if any. */
  fault?: string;
}

/** Answers per interval of the run (by when they were sent), for the status and latency plots. */
export interface StatusInterval {
  t: number;
  counts: Record<string, number>;
  /** Latency of the interval's interactive answers (batch and set-up requests aside), ms. */
  latencyP50Ms?: number;
  latencyP99Ms?: number;
}

/** soak.json. */
export interface SoakResults {
  startedAt: string;
  minutes: number;
  machine: Machine;
  settings: Record<string, string | number>;
  faults: FaultWindow[];
  recoveries: FaultRecovery[];
  samples: ResourceSample[];
  heap: HeapSample[];
  health: HealthSample[];
  statusIntervals: StatusInterval[];
  /** Answers by kind and status. */
  answersByKind: Record<string, Record<string, number>>;
  /**
   * Verdicts of the answers outside every fault window, inside one (or its grace), and outside but
   * in flight during one of the sampler's forced GCs; degraded answers by status and code.
   */
  classification: { outside: Record<string, number>; inside: Record<string, number>; gcPauses: Record<string, number>; degraded: Record<string, number> };
  unexpected: UnexpectedAnswer[];
  subscribers: SubscriberRecord[];
  batch: BatchRecord;
  figures: SoakFigure[];
  passed: boolean;
}
