/**
 * The rate-limit capability's implementation: sliding-window counts (sliding-window.ts) per
 * policy and identity.
 *
 * With Redis the counts are the fleet's, taken in one atomic script per request
 * (sliding-window-script.ts). The script runs inside `redis.attempt`, so a slow or dead Redis
 * trips Redis's own timeout and breaker and this replica falls back to its in-memory counts for
 * the request. Locally a policy allows `limit / localShare()` (at least 1), so the fleet as a
 * whole stays near the limit while Redis is away.
 */
import type { RedisClient } from '../../deps/redis/client.ts';
import type { RedisDependency } from '../../deps/redis/redis-dependency.ts';
import { SHARED_FEATURE } from '../shared-features.ts';
import { MemoryWindowCounter, type CountOutcome } from './memory-window-counter.ts';
import type { InboundRateLimits, RateLimitCheck, RateLimitDecision, RateLimitPolicy } from './rate-limit.ts';
import { TAKE_SLIDING_WINDOWS } from './sliding-window-script.ts';
import { msUntilAdmitted, remaining, type SlidingWindow } from './sliding-window.ts';

export interface SlidingWindowRateLimitsOptions {
  policies: readonly RateLimitPolicy[];
  /** Unset: counts stay in this replica's memory. */
  redis?: RedisDependency | undefined;
  /** This replica's share of the fleet while counting locally (e.g. live replicas). Default: 1. */
  localShare?: () => number;
  /** Identities counted in memory at most (least recently seen forgotten first). */
  maxLocalIdentities?: number;
}

export class SlidingWindowRateLimits implements InboundRateLimits {
  readonly policies: readonly RateLimitPolicy[];
  readonly #redis: RedisDependency | undefined;
  readonly #keyPrefix: string;
  readonly #localShare: () => number;
  readonly #local: MemoryWindowCounter;

  constructor(options: SlidingWindowRateLimitsOptions) {
    this.policies = options.policies;
    this.#redis = options.redis;
    this.#keyPrefix = `${options.redis?.keyPrefix ?? ''}ratelimit:`;
    this.#localShare = options.localShare ?? (() => 1);
    this.#local = new MemoryWindowCounter(options.maxLocalIdentities);
  }

  async consume(checks: readonly RateLimitCheck[], signal?: AbortSignal): Promise<RateLimitDecision[]> {
    if (checks.length === 0) return [];
    const windows = checks.map(({ policy }) => ({ limit: policy.limit, windowMs: policy.windowSeconds * 1000 }));
    const shared = this.#redis
      ? await this.#redis.attempt(SHARED_FEATURE.rateLimits, 'rate_limit', (client, attemptSignal) => this.#takeShared(client, attemptSignal, checks, windows), signal)
      : undefined;
    if (shared) return decisions(checks, windows, shared, true);
    const share = Math.max(1, this.#localShare());
    const localWindows = windows.map((window) => ({ ...window, limit: Math.max(1, Math.floor(window.limit / share)) }));
    const counted = this.#local.take(checks.map(({ policy, identity }, index) => ({ key: `${policy.name} ${identity}`, window: localWindows[index]! })));
    return decisions(checks, localWindows, counted, false);
  }

  async #takeShared(client: RedisClient, signal: AbortSignal, checks: readonly RateLimitCheck[], windows: SlidingWindow[]): Promise<CountOutcome> {
    const keys = checks.map(({ policy, identity }) => `${this.#keyPrefix}${policy.name}:${identity}:`);
    const args = windows.flatMap(({ limit, windowMs }) => [limit, windowMs]);
    const reply = (await TAKE_SLIDING_WINDOWS.run(client, signal, keys, args)) as number[];
    return {
      admitted: reply[0] === 1,
      checks: checks.map((_, index) => {
        const [admits, previous, current, elapsedMs] = reply.slice(1 + 4 * index, 5 + 4 * index) as [number, number, number, number];
        return { admits: admits === 1, counts: { previous, current, elapsedMs } };
      }),
    };
  }
}

function decisions(checks: readonly RateLimitCheck[], windows: SlidingWindow[], outcome: CountOutcome, shared: boolean): RateLimitDecision[] {
  return checks.map(({ policy }, index) => {
    const window = windows[index]!;
    const { admits, counts } = outcome.checks[index]!;
    const left = admits ? remaining(window, counts) : 0;
    return {
      policy,
      allowed: admits,
      limit: window.limit,
      remaining: left,
      resetMs: left > 0 ? window.windowMs - counts.elapsedMs : msUntilAdmitted(window, counts),
      shared,
    };
  });
}
