/**
 * The outgoing quota shared by the fleet through Redis. Every operation is one atomic script run
 * through `redis.attempt`, so it is bounded by Redis's attempt timeout; when Redis fails, times
 * out or is skipped, the same operation runs on a local store holding this replica's share of
 * the limits. Admitted requests, leases and token debits are mirrored locally too, so a fallback
 * starts from this replica's recent use rather than a fresh budget.
 *
 * Concurrency leases expire unless renewed: while this replica holds any, one timer renews them
 * all in one script call, so the leases of a replica that dies free themselves within the TTL.
 */
import { randomUUID } from 'node:crypto';
import { LocalQuotaStore } from '../../resilience/local-quota-store.ts';
import type { Admission, LeaseGrant, QuotaLease, QuotaLimits, QuotaSnapshot, QuotaStore } from '../../resilience/outgoing-quota.ts';
import { ACQUIRE_LEASE, ADMIT, DEBIT_TOKENS, PEEK, RENEW_LEASES, parseAdmission } from './quota-scripts.ts';
import type { RedisCommand, RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';

export interface RedisQuotaStoreOptions {
  redis: RedisDependency;
  /** Names the keys: `<prefix>quota:<dependency>:requests|tokens|leases`. */
  dependency: string;
  /** This replica's share of the limits while Redis is unreachable (default `() => 1`: each replica the whole quota). */
  localShare?: () => number;
  /** A lease not renewed for this long is dropped by the fleet (ms, default 10 000). */
  leaseTtlMs?: number;
  /** How long a call waiting for a concurrency slot sleeps before asking Redis again (ms, default 25). */
  leasePollMs?: number;
}

const NO_SIGNAL = undefined;

export class RedisQuotaStore implements QuotaStore {
  readonly keys: { requests: string; tokens: string; leases: string };
  readonly #redis: RedisDependency;
  readonly #local: LocalQuotaStore;
  readonly #leaseTtlMs: number;
  readonly #leasePollMs: number;
  /** Ids of the leases this replica holds in Redis. */
  readonly #held = new Set<string>();
  #renewal: ReturnType<typeof setInterval> | undefined;

  constructor(options: RedisQuotaStoreOptions) {
    this.#redis = options.redis;
    this.#leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.#leasePollMs = options.leasePollMs ?? 25;
    this.#local = new LocalQuotaStore({ share: options.localShare ?? (() => 1), leasePollMs: this.#leasePollMs });
    const base = `${options.redis.keyPrefix}quota:${options.dependency}`;
    this.keys = { requests: `${base}:requests`, tokens: `${base}:tokens`, leases: `${base}:leases` };
  }

  async admit(limits: QuotaLimits, signal: AbortSignal, reserve = 0): Promise<Admission> {
    const args = [limits.requestsPerMinute, limits.tokensPerMinute, reserve];
    const reply = await this.#run((client, s) => ADMIT.run(client, s, [this.keys.requests, this.keys.tokens], args), signal);
    if (reply === undefined) return this.#local.admit(limits, signal, reserve);
    const admission = parseAdmission(reply);
    if (admission.admitted) this.#local.mirrorAdmitted(limits);
    return admission;
  }

  async acquireLease(limit: number, signal: AbortSignal): Promise<LeaseGrant> {
    const id = randomUUID();
    const reply = await this.#run((client, s) => ACQUIRE_LEASE.run(client, s, [this.keys.leases], [limit, id, this.#leaseTtlMs]), signal);
    if (reply === undefined) {
      // A script that timed out may still have run: make sure no lease is left behind.
      if (this.#redis.usable) this.#forget(id);
      return this.#local.acquireLease(limit);
    }
    if (Number((reply as unknown[])[0]) !== 1) return { waitMs: this.#leasePollMs };
    return { lease: this.#lease(id) };
  }

  debitTokens(tokensPerMinute: number, tokens: number): void {
    this.#local.debitTokens(tokensPerMinute, tokens);
    void this.#run((client, s) => DEBIT_TOKENS.run(client, s, [this.keys.tokens], [tokensPerMinute, tokens]), NO_SIGNAL);
  }

  async snapshot(limits: QuotaLimits, signal: AbortSignal): Promise<QuotaSnapshot> {
    const args = [limits.requestsPerMinute, limits.tokensPerMinute];
    const reply = await this.#run((client, s) => PEEK.run(client, s, [this.keys.requests, this.keys.tokens, this.keys.leases], args), signal);
    if (reply === undefined) return this.#local.snapshot(limits);
    const [requests, tokens, leases] = (reply as unknown[]).map(Number) as [number, number, number];
    return {
      mode: 'shared',
      requests_per_minute: limits.requestsPerMinute,
      concurrent: limits.concurrent,
      tokens_per_minute: limits.tokensPerMinute,
      requests_available: limits.requestsPerMinute > 0 ? Math.floor(requests) : null,
      tokens_available: limits.tokensPerMinute > 0 ? Math.floor(tokens) : null,
      leases_in_use: limits.concurrent > 0 ? leases : null,
    };
  }

  /** A Redis lease, counted locally too; renewed while held, removed on release. */
  #lease(id: string): QuotaLease {
    const local = this.#local.countLease();
    this.#held.add(id);
    this.#renewal ??= setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#leaseTtlMs / 3))).unref();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        local.release();
        this.#held.delete(id);
        if (this.#held.size === 0) {
          clearInterval(this.#renewal);
          this.#renewal = undefined;
        }
        this.#forget(id);
      },
    };
  }

  #renew(): void {
    if (this.#held.size === 0) return;
    void this.#run((client, s) => RENEW_LEASES.run(client, s, [this.keys.leases], [this.#leaseTtlMs, ...this.#held]), NO_SIGNAL);
  }

  /** Fire and forget: a removal that fails leaves the lease to expire. */
  #forget(id: string): void {
    void this.#run((client, s) => client.withAbortSignal(s).zRem(this.keys.leases, id), NO_SIGNAL);
  }

  /** One Redis operation for the quotas feature; undefined means "use local state". Background work passes no signal. */
  #run<T>(command: RedisCommand<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
    return this.#redis.attempt(SHARED_FEATURE.quotas, 'quota', command, signal);
  }
}
