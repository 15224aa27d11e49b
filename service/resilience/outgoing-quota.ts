/**
 * The fleet's outgoing quota for one dependency: requests per minute, tokens per minute and
 * concurrent requests, kept in a QuotaStore (shared through Redis, or local). A call over quota
 * waits while its deadline allows; one that cannot is refused at once (QuotaExhaustedError, with
 * how long to wait) without reaching the dependency.
 *
 * Two faces, placed apart in the pipeline (see dependency-policies.ts): `execute` admits one
 * attempt against the per-minute budgets (each attempt is a provider request), and `acquire`
 * takes a concurrency lease held for the whole call, streams included.
 *
 * Tokens are only known once a call has answered, so they are debited afterwards
 * (`recordTokens`) and the token budget may go into debt: a call is admitted while it is not
 * negative, and later calls wait until it has refilled. One large answer can overshoot the budget
 * once, never twice in a row.
 *
 * Background calls (priority.ts) get at most `backgroundShare` of it: they never draw the
 * per-minute budgets below the rest of their size, hold at most that share of the concurrent
 * requests, and never wait: refused at once, background work defers while interactive calls keep
 * the remaining share.
 */
import { EventEmitter, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { remainingMsOf } from './deadline.ts';
import { QuotaExhaustedError } from './errors.ts';
import { PolicyBase } from './policy-base.ts';
import { isBackground } from './priority.ts';
import { sleep } from './sleep.ts';

export type QuotaName = QuotaExhaustedError['quota'];
export const QUOTA_NAMES: readonly QuotaName[] = ['requests', 'concurrent', 'tokens'];

/** A fleet-wide quota; 0 in a field means that dimension is unlimited. */
export interface QuotaLimits {
  requestsPerMinute: number;
  concurrent: number;
  /** Prompt and completion tokens together. */
  tokensPerMinute: number;
}

/** True when any dimension is limited; a quota that is off costs nothing, not even a place in the pipeline. */
export function quotaIsOn(limits: QuotaLimits | undefined): limits is QuotaLimits {
  return limits !== undefined && (limits.requestsPerMinute > 0 || limits.concurrent > 0 || limits.tokensPerMinute > 0);
}

/** The store's answer to "may one request go out now?"; when not, how long until it may. */
export type Admission = { admitted: true } | { admitted: false; quota: 'requests' | 'tokens'; waitMs: number };

/** A held concurrency slot; release exactly once (later calls are ignored). */
export interface QuotaLease {
  release(): void;
}

/** A lease, or how long to wait before asking again. */
export type LeaseGrant = { lease: QuotaLease } | { lease?: undefined; waitMs: number };

/** What /health/detailed shows; limits are the ones in force here (a local share is already applied). */
export interface QuotaSnapshot {
  mode: 'shared' | 'local';
  requests_per_minute: number;
  concurrent: number;
  tokens_per_minute: number;
  /** Requests that could go out at once (null when unlimited). */
  requests_available: number | null;
  /** Tokens left this minute; negative while in debt (null when unlimited). */
  tokens_available: number | null;
  leases_in_use: number | null;
}

/**
 * Where the quota's state lives. Every method takes the limits, so the store keeps state only.
 * Implementations must answer promptly whatever happens to their backend (the shared store falls
 * back to local state), and never throw.
 */
export interface QuotaStore {
  /**
   * Takes one request when one is available and the token budget is not in debt, leaving
   * `reserve` (a fraction of each per-minute budget, default 0) untouched: background calls pass
   * the share kept for interactive ones.
   */
  admit(limits: QuotaLimits, signal: AbortSignal, reserve?: number): Promise<Admission>;
  /** Takes a concurrency slot under `limit`. */
  acquireLease(limit: number, signal: AbortSignal): Promise<LeaseGrant>;
  /** Debits tokens a call used (fire and forget). */
  debitTokens(tokensPerMinute: number, tokens: number): void;
  snapshot(limits: QuotaLimits, signal: AbortSignal): Promise<QuotaSnapshot>;
}

export interface OutgoingQuotaOptions {
  dependency: string;
  limits: QuotaLimits;
  store: QuotaStore;
  /** Longest sleep between two checks while waiting (ms, default 1 000), so waiters notice a freed budget elsewhere. */
  maxSliceMs?: number;
  /** Share of the quota background calls may use, 0..1 (default 1: no limit). */
  backgroundShare?: number;
}

export interface QuotaWait {
  dependency: string;
  quota: QuotaName;
  /** How long the admitted call waited, in ms. */
  waitedMs: number;
}

export class OutgoingQuota extends PolicyBase implements IPolicy {
  readonly dependency: string;
  readonly limits: QuotaLimits;
  readonly #store: QuotaStore;
  readonly #maxSliceMs: number;
  readonly #backgroundShare: number;
  readonly #waits = new EventEmitter<QuotaWait>();
  readonly #rejections = new EventEmitter<QuotaExhaustedError>();
  /** Fires for every admitted call that had to wait first. */
  readonly onWait = this.#waits.addListener;
  /** Fires for every call refused because the quota outlasted its deadline. */
  readonly onReject = this.#rejections.addListener;
  /** Until when the store last said nothing is left (epoch ms): routing prefers another provider meanwhile. */
  #exhaustedUntil = 0;

  constructor(options: OutgoingQuotaOptions) {
    super();
    this.dependency = options.dependency;
    this.limits = options.limits;
    this.#store = options.store;
    this.#maxSliceMs = options.maxSliceMs ?? 1_000;
    this.#backgroundShare = Math.min(1, Math.max(0, options.backgroundShare ?? 1));
  }

  /** Whether attempts need admitting (requests or tokens per minute). */
  get limitsRate(): boolean {
    return this.limits.requestsPerMinute > 0 || this.limits.tokensPerMinute > 0;
  }

  get limitsConcurrency(): boolean {
    return this.limits.concurrent > 0;
  }

  /** Milliseconds until the quota, as last seen, has room again (0: it had room). */
  exhaustedForMs(): number {
    return Math.max(0, this.#exhaustedUntil - Date.now());
  }

  /** One attempt: admitted against the per-minute budgets (waiting if need be), then run. */
  async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    const reserve = isBackground() ? 1 - this.#backgroundShare : 0;
    await this.#wait(signal, async () => {
      const admission = await this.#store.admit(this.limits, signal, reserve);
      return admission.admitted ? { granted: true } : admission;
    });
    return this.observe(() => fn({ signal }));
  }

  /** A concurrency lease (waiting for one if need be); the caller releases it when the call truly ends. */
  acquire(signal: AbortSignal): Promise<QuotaLease> {
    const limit = isBackground() ? Math.max(1, Math.floor(this.limits.concurrent * this.#backgroundShare)) : this.limits.concurrent;
    return this.#wait<QuotaLease>(signal, async () => {
      const grant = await this.#store.acquireLease(limit, signal);
      return grant.lease ? { granted: grant.lease } : { quota: 'concurrent' as const, waitMs: grant.waitMs };
    });
  }

  /** Runs `work` holding a concurrency lease. */
  async hold<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const lease = await this.acquire(signal);
    try {
      return await work();
    } finally {
      lease.release();
    }
  }

  /** Debits the tokens a call used (a no-op unless tokens are limited). */
  recordTokens(tokens: number): void {
    if (this.limits.tokensPerMinute > 0 && Number.isFinite(tokens) && tokens > 0) this.#store.debitTokens(this.limits.tokensPerMinute, tokens);
  }

  snapshot(signal: AbortSignal): Promise<QuotaSnapshot> {
    return this.#store.snapshot(this.limits, signal);
  }

  /** Asks until granted, sleeping as told while the deadline allows; refuses at once when it does not. */
  async #wait<T>(signal: AbortSignal, ask: () => Promise<{ granted: T } | { quota: QuotaName; waitMs: number }>): Promise<T> {
    let waitedFor: { quota: QuotaName; since: number } | undefined;
    for (;;) {
      const answer = await ask();
      if ('granted' in answer) {
        this.#exhaustedUntil = 0;
        if (waitedFor) this.#waits.emit({ dependency: this.dependency, quota: waitedFor.quota, waitedMs: Date.now() - waitedFor.since });
        return answer.granted;
      }
      this.#exhaustedUntil = Math.max(this.#exhaustedUntil, Date.now() + answer.waitMs);
      // A caller that went away hears its own reason, not a quota it no longer cares about.
      if (signal.aborted) throw signal.reason;
      if (isBackground() || answer.waitMs >= remainingMsOf(signal)) {
        const error = new QuotaExhaustedError(this.dependency, answer.quota, answer.waitMs);
        this.#rejections.emit(error);
        throw error;
      }
      waitedFor = { quota: answer.quota, since: waitedFor?.since ?? Date.now() };
      await sleep(Math.min(answer.waitMs, this.#maxSliceMs), signal);
    }
  }
}
