/**
 * One deployment of a public model: a provider and that provider's name for the model, with
 * its configured weight and this replica's live view of its health. The fleet-wide parts of
 * health (breaker, 429 gate, quota) live in the provider's policies; what is kept here is local
 * and cheap: attempts in flight, recent latency and failures, and the rate-limit headroom the
 * provider announces in its `x-ratelimit-*` headers.
 */
import type { LlmProvider } from '../llm-provider.ts';
import type { LlmOperation } from '../policies.ts';
import { RateLimitHeadroom } from './rate-limit-headroom.ts';

/** Weight of the newest sample in the moving averages: about the last 20 attempts count. */
const SMOOTHING = 0.1;
/**
 * The failure share also halves every this many ms without attempts: a deployment that got little
 * traffic because it was failing must not stay starved once it recovers (its breaker closing is
 * the proof), since only its own attempts would otherwise move the average back.
 */
const FAILURE_HALF_LIFE_MS = 2_000;

export type Unavailability = 'breaker_open' | 'rate_limited' | 'no_headroom' | 'no_quota';

export class Deployment {
  readonly provider: LlmProvider;
  /** The provider's own name for the model. */
  readonly model: string;
  readonly weight: number;
  /** `provider/model`, unique within a routing table. */
  readonly key: string;
  readonly headroom = new RateLimitHeadroom();
  #inFlight = 0;
  #latencyMs: number | undefined;
  #failureShare = 0;
  #failureShareAt = 0;

  constructor(provider: LlmProvider, model: string, weight: number) {
    this.provider = provider;
    this.model = model;
    this.weight = weight;
    this.key = `${provider.id}/${model}`;
  }

  /** The label and timeout key of this deployment's model (bounded by the provider's catalog). */
  get modelLabel(): string {
    return this.provider.catalog.labelFor(this.model);
  }

  /** Why no attempt should go here now, or undefined when one may. */
  unavailable(now = Date.now()): Unavailability | undefined {
    const { breaker, gate } = this.provider.policies;
    const state = breaker.state;
    if (state === 'open' || state === 'isolated') return 'breaker_open';
    if (gate.remainingMs() > 0) return 'rate_limited';
    if (this.headroom.exhaustedUntil > now) return 'no_headroom';
    // Levee's own quota for the provider, as its store last answered.
    if ((this.provider.policies.quota?.exhaustedForMs() ?? 0) > 0) return 'no_quota';
    return undefined;
  }

  /** The live P95 of successful attempts for an operation here (0 before enough samples). */
  p95Ms(operation: LlmOperation): number {
    return this.provider.policies.timeouts.get(operation)?.forKey(this.modelLabel).tracker.current().p95Ms ?? 0;
  }

  /**
   * How much of its weight this deployment deserves now, 0..1: free bulkhead capacity, recent
   * success share, and remaining headroom. Not squared or steeper: a provider that just died must
   * keep getting enough attempts (each moved on to another deployment at once) for its breaker to
   * see five failures in a row quickly; the breaker, not the weight, takes a dead provider out.
   * Latency is compared across candidates by the chooser, so it is exposed apart.
   */
  health(): number {
    const { bulkhead } = this.provider.policies;
    const free = bulkhead.capacity === 0 ? 1 : Math.max(0.05, 1 - bulkhead.active / bulkhead.capacity);
    const succeeding = Math.max(0.05, 1 - this.#recentFailureShare(Date.now()));
    return free * succeeding * this.headroom.share();
  }

  #recentFailureShare(now: number): number {
    return this.#failureShare * 0.5 ** ((now - this.#failureShareAt) / FAILURE_HALF_LIFE_MS);
  }

  /** Smoothed latency of recent successful attempts (undefined before the first). */
  get latencyMs(): number | undefined {
    return this.#latencyMs;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  started(): void {
    this.#inFlight += 1;
  }

  /** An attempt ended: `success` with its latency, `failure` (counts against health), or `neutral` (cancelled, refused by our own policies). */
  ended(outcome: 'success' | 'failure' | 'neutral', latencyMs: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (outcome === 'neutral') return;
    const now = Date.now();
    const share = this.#recentFailureShare(now);
    this.#failureShare = share + SMOOTHING * ((outcome === 'failure' ? 1 : 0) - share);
    this.#failureShareAt = now;
    if (outcome === 'success') this.#latencyMs = this.#latencyMs === undefined ? latencyMs : this.#latencyMs + SMOOTHING * (latencyMs - this.#latencyMs);
  }
}
