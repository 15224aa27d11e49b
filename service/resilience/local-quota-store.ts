/**
 * The outgoing quota kept by this process alone: when no Redis is configured, and as the shared
 * store's fallback while Redis is unreachable. There each replica takes a share of the fleet's
 * limits (`share()`, e.g. the number of live replicas), so the fleet stays near its quota.
 */
import type { Admission, LeaseGrant, QuotaLease, QuotaLimits, QuotaSnapshot, QuotaStore } from './outgoing-quota.ts';
import { TokenBucket } from './token-bucket.ts';

export interface LocalQuotaStoreOptions {
  /** Divides every limit (default `() => 1`: the whole quota); a limit never drops below 1 request or 1 slot. */
  share?: () => number;
  /** How long a call waiting for a concurrency slot sleeps before asking again (ms, default 25). */
  leasePollMs?: number;
}

export class LocalQuotaStore implements QuotaStore {
  readonly #share: () => number;
  readonly #leasePollMs: number;
  readonly #requests = new TokenBucket();
  readonly #tokens = new TokenBucket();
  #leases = 0;

  constructor(options: LocalQuotaStoreOptions = {}) {
    this.#share = options.share ?? (() => 1);
    this.#leasePollMs = options.leasePollMs ?? 25;
  }

  /** Leases held by this process. */
  get leasesInUse(): number {
    return this.#leases;
  }

  admit(limits: QuotaLimits, _signal?: AbortSignal, reserve = 0): Promise<Admission> {
    return Promise.resolve(this.tryAdmit(limits, reserve));
  }

  /** Synchronous admit: both budgets are checked before either is drawn from. */
  tryAdmit(limits: QuotaLimits, reserve = 0): Admission {
    const { requests, tokens } = this.#local(limits);
    const now = Date.now();
    const requestsWaitMs = requests > 0 ? this.#requests.msUntil(1 + reserve * requests, requests, now) : 0;
    const tokensWaitMs = tokens > 0 ? this.#tokens.msUntil(reserve * tokens, tokens, now) : 0;
    if (tokensWaitMs > 0 && tokensWaitMs >= requestsWaitMs) return { admitted: false, quota: 'tokens', waitMs: tokensWaitMs };
    if (requestsWaitMs > 0) return { admitted: false, quota: 'requests', waitMs: requestsWaitMs };
    if (requests > 0) this.#requests.add(-1, requests, now);
    return { admitted: true };
  }

  acquireLease(limit: number): Promise<LeaseGrant> {
    if (this.#leases >= this.#local({ requestsPerMinute: 0, concurrent: limit, tokensPerMinute: 0 }).concurrent) {
      return Promise.resolve({ waitMs: this.#leasePollMs });
    }
    return Promise.resolve({ lease: this.countLease() });
  }

  debitTokens(tokensPerMinute: number, tokens: number): void {
    const { tokens: perMinute } = this.#local({ requestsPerMinute: 0, concurrent: 0, tokensPerMinute });
    if (perMinute > 0) this.#tokens.add(-tokens, perMinute);
  }

  snapshot(limits: QuotaLimits): Promise<QuotaSnapshot> {
    const local = this.#local(limits);
    return Promise.resolve({
      mode: 'local',
      requests_per_minute: local.requests,
      concurrent: local.concurrent,
      tokens_per_minute: local.tokens,
      requests_available: local.requests > 0 ? Math.floor(this.#requests.level(local.requests)) : null,
      tokens_available: local.tokens > 0 ? Math.floor(this.#tokens.level(local.tokens)) : null,
      leases_in_use: local.concurrent > 0 ? this.#leases : null,
    });
  }

  /**
   * Records a request the shared store admitted, so that a fallback to local state starts from
   * this replica's recent use instead of a full budget (drawn down to 0 at most).
   */
  mirrorAdmitted(limits: QuotaLimits): void {
    const { requests } = this.#local(limits);
    if (requests > 0) this.#requests.add(-1, requests, Date.now(), 0);
  }

  /** A lease counted whatever the limit: one the shared store granted (it is a call in flight all the same). */
  countLease(): QuotaLease {
    this.#leases += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#leases -= 1;
      },
    };
  }

  /** This process's limits: the fleet's divided by the share, each at least 1 when limited at all. */
  #local(limits: QuotaLimits): { requests: number; concurrent: number; tokens: number } {
    const share = Math.max(1, this.#share());
    const part = (limit: number, whole: boolean) => (limit <= 0 ? 0 : Math.max(1, whole ? Math.floor(limit / share) : limit / share));
    return { requests: part(limits.requestsPerMinute, false), concurrent: part(limits.concurrent, true), tokens: part(limits.tokensPerMinute, false) };
  }
}
