/**
 * Builds, once at start-up, the shared policies of one dependency from its policy sheet, and
 * composes them with cockatiel's `wrap` in this order, outermost first:
 *
 *   (request deadline) → bulkhead → quota lease → rate-limit gate → retry → quota admission
 *     → rate-limit gate (again, only with a quota) → circuit breaker → adaptive timeout → call
 *
 * The bulkhead is outermost so a call waiting out a backoff still holds its slot (concurrency is
 * what it bounds), and the fleet's concurrency lease is held with it for the same reason; the gate
 * sits outside retry so first attempts wait too; the quota's per-minute admission sits inside retry
 * because each attempt is a provider request, and outside the breaker so a half-open probe is never
 * held up waiting for quota; the breaker sits inside retry so it counts attempts and a retry meets a
 * freshly opened circuit; the timeout is innermost because it times one attempt. A quota that is off
 * is not in the pipeline at all.
 */
import { wrap, type IPolicy } from 'cockatiel';
import { AdaptiveTimeout, type AttemptContext } from './adaptive-timeout.ts';
import type { AdaptiveTimeoutOptions } from './adaptive-timeout-tracker.ts';
import { Bulkhead, type BulkheadLease, type BulkheadOptions } from './bulkhead.ts';
import { classifyFailure, type DependencyClassifier } from './classification.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { AttemptTimeoutError } from './errors.ts';
import { CountAndRateBreaker, type CountAndRateBreakerOptions } from './count-and-rate-breaker.ts';
import { LocalQuotaStore } from './local-quota-store.ts';
import { OutgoingQuota, quotaIsOn, type QuotaLimits, type QuotaStore } from './outgoing-quota.ts';
import { RateLimitGate, type RateLimitGateOptions } from './rate-limit-gate.ts';
import { ClassifiedRetry, type RetryContext, type RetryOptions } from './retry.ts';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.ts';

/** Everything one dependency declares about how it is called. */
export interface PolicySheet<Operation extends string> {
  dependency: string;
  /**
   * One of several instances of the dependency (an LLM provider): its own policies, a `provider`
   * metric label, and `<dependency>/<provider>` as the name breakers and shared state go by.
   */
  provider?: string;
  bulkhead: Omit<BulkheadOptions, 'dependency'>;
  rateLimit: Omit<RateLimitGateOptions, 'dependency'>;
  retry: Pick<RetryOptions, 'maxAttempts' | 'initialDelayMs' | 'maxDelayMs' | 'jitter'>;
  retryBudget: RetryBudgetOptions;
  breaker: CountAndRateBreakerOptions & {
    halfOpenAfterMs: number;
    successesToClose: number;
    /** Off only for tests that measure the retry budget alone. */
    enabled: boolean;
  };
  /** One adaptive timeout per operation (and, inside it, per model). */
  timeouts: Record<Operation, AdaptiveTimeoutOptions>;
  /** For streaming operations: the gap allowed between chunks once a stream flows. */
  idleTimeout?: AdaptiveTimeoutOptions;
  /** The dependency's own error classification (statuses, driver codes). */
  classify: DependencyClassifier;
  /** The fleet's outgoing quota; omitted or all 0: none. */
  quota?: QuotaLimits;
}

export interface DependencyPoliciesOptions {
  /** Jitter source (default Math.random), injected by tests. */
  random?: () => number;
  /** Where the quota's state lives (default: this process alone). */
  quotaStore?: QuotaStore;
}

export type CallContext = AttemptContext & RetryContext;

export class DependencyPolicies<Operation extends string> {
  readonly dependency: string;
  readonly provider: string | undefined;
  /** `llm/openai`, or the dependency alone: the admin, health and shared-state name. */
  readonly name: string;
  /** The identity labels of every metric of these policies. */
  readonly labels: { dependency: string; provider?: string };
  readonly sheet: PolicySheet<Operation>;
  readonly bulkhead: Bulkhead;
  readonly gate: RateLimitGate;
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget;
  /** Undefined when the sheet sets no quota. */
  readonly quota: OutgoingQuota | undefined;
  readonly retries: ReadonlyMap<Operation, ClassifiedRetry>;
  readonly timeouts: ReadonlyMap<Operation, AdaptiveTimeout>;
  /** Gaps between stream chunks, per model (when the sheet declares streaming). */
  readonly idleTimeout: AdaptiveTimeout | undefined;
  /** Composed pipelines per operation, then model, without the bulkhead (streams hold it apart). */
  readonly #pipelines = new Map<Operation, Map<string, IPolicy<CallContext>>>();
  /** The same without retry, for callers that retry across instances themselves (LLM routing). */
  readonly #singleAttempts = new Map<Operation, Map<string, IPolicy<CallContext>>>();

  constructor(sheet: PolicySheet<Operation>, options: DependencyPoliciesOptions = {}) {
    const { dependency } = sheet;
    const random = options.random ?? Math.random;
    this.dependency = dependency;
    this.provider = sheet.provider;
    this.name = sheet.provider === undefined ? dependency : `${dependency}/${sheet.provider}`;
    this.labels = sheet.provider === undefined ? { dependency } : { dependency, provider: sheet.provider };
    this.sheet = sheet;
    this.bulkhead = new Bulkhead({ dependency, ...sheet.bulkhead });
    this.gate = new RateLimitGate({ dependency, ...sheet.rateLimit });
    this.budget = new RetryBudget(sheet.retryBudget);
    this.quota = quotaIsOn(sheet.quota)
      ? new OutgoingQuota({ dependency, limits: sheet.quota, store: options.quotaStore ?? new LocalQuotaStore(), backgroundShare: sheet.bulkhead.backgroundShare ?? 1 })
      : undefined;
    this.breaker = new CircuitBreaker({
      dependency,
      name: this.name,
      breaker: new CountAndRateBreaker(sheet.breaker),
      halfOpenAfterMs: sheet.breaker.halfOpenAfterMs,
      successesToClose: sheet.breaker.successesToClose,
      countsAsFailure: (error, signal) => classifyFailure(error, signal, sheet.classify).breaker === 'failure',
      countsInARow: (error) => !(error instanceof AttemptTimeoutError),
    });
    const operations = Object.keys(sheet.timeouts) as Operation[];
    this.retries = new Map(
      operations.map((operation) => [
        operation,
        new ClassifiedRetry({ dependency, ...sheet.retry, classify: sheet.classify, budget: this.budget, gate: this.gate, random }),
      ]),
    );
    this.timeouts = new Map(operations.map((operation) => [operation, new AdaptiveTimeout(sheet.timeouts[operation])]));
    this.idleTimeout = sheet.idleTimeout ? new AdaptiveTimeout(sheet.idleTimeout) : undefined;
  }

  /** Runs `attempt` under every policy, the bulkhead slot (and quota lease) held only for the call. */
  execute<T>(operation: Operation, model: string, attempt: (context: CallContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#executeOn(this.#pipeline(operation, model), attempt, signal);
  }

  /**
   * One attempt under every policy but retry: the caller retries (on this instance or another).
   * `context.attempt` is always 0.
   */
  executeOnce<T>(operation: Operation, model: string, attempt: (context: CallContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#executeOn(this.#singleAttempt(operation, model), attempt, signal);
  }

  /** executeOnce for streams: the slot outlives the attempt, as with executeHoldingSlot. */
  executeOnceHoldingSlot<T>(operation: Operation, model: string, attempt: (context: CallContext) => Promise<T>, signal: AbortSignal): Promise<{ value: T; lease: BulkheadLease }> {
    return this.#executeHolding(this.#singleAttempt(operation, model), attempt, signal);
  }

  /**
   * The attempt as the pipeline runs it: its own rate-limited answer (429, or 503 with
   * Retry-After) closes the gate for every later call, judged by the dependency's classifier on
   * the attempt itself. Watching here, not where the pipeline ends, matters when the caller's
   * deadline passes as the answer arrives: the pipeline then rejects with the deadline, and the
   * provider's Retry-After would be lost.
   */
  #watched<T>(attempt: (context: CallContext) => Promise<T>): (context: CallContext) => Promise<T> {
    return async (context) => {
      try {
        return await attempt(context);
      } catch (error) {
        const answered = this.sheet.classify(error);
        if (answered.retry === 'rate_limited') this.gate.closeFor(answered.retryAfterMs, answered.status === 503 ? 503 : 429);
        throw error;
      }
    };
  }

  #executeOn<T>(pipeline: IPolicy<CallContext>, attempt: (context: CallContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    const call = () => pipeline.execute(this.#watched(attempt), signal);
    const quota = this.quota?.limitsConcurrency ? this.quota : undefined;
    return this.bulkhead.execute(quota ? () => quota.hold(call, signal) : call, signal);
  }

  /**
   * Like execute, but the bulkhead slot (and quota lease) outlives the call: a stream holds it
   * until it ends, and the caller must release the lease then (or when anything fails); releasing
   * it frees both.
   */
  executeHoldingSlot<T>(
    operation: Operation,
    model: string,
    attempt: (context: CallContext) => Promise<T>,
    signal: AbortSignal,
  ): Promise<{ value: T; lease: BulkheadLease }> {
    return this.#executeHolding(this.#pipeline(operation, model), attempt, signal);
  }

  async #executeHolding<T>(pipeline: IPolicy<CallContext>, attempt: (context: CallContext) => Promise<T>, signal: AbortSignal): Promise<{ value: T; lease: BulkheadLease }> {
    const slot = await this.bulkhead.acquire(signal);
    let lease: BulkheadLease = slot;
    try {
      if (this.quota?.limitsConcurrency) {
        const held = await this.quota.acquire(signal);
        lease = {
          release: () => {
            held.release();
            slot.release();
          },
        };
      }
      return { value: await pipeline.execute(this.#watched(attempt), signal), lease };
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  #pipeline(operation: Operation, model: string): IPolicy<CallContext> {
    return this.#cached(this.#pipelines, operation, model, true);
  }

  #singleAttempt(operation: Operation, model: string): IPolicy<CallContext> {
    return this.#cached(this.#singleAttempts, operation, model, false);
  }

  #cached(cache: Map<Operation, Map<string, IPolicy<CallContext>>>, operation: Operation, model: string, withRetry: boolean): IPolicy<CallContext> {
    let byModel = cache.get(operation);
    if (!byModel) cache.set(operation, (byModel = new Map()));
    let pipeline = byModel.get(model);
    if (!pipeline) {
      const timeout = this.timeouts.get(operation)!.forKey(model);
      const policies: IPolicy[] = withRetry ? [this.gate, this.retries.get(operation)!] : [this.gate];
      // Waiting for quota can outlast a 429 that closed the gate meanwhile: the gate is checked
      // again after the wait, just before the attempt.
      if (this.quota?.limitsRate) policies.push(this.quota, this.gate);
      if (this.sheet.breaker.enabled) policies.push(this.breaker);
      pipeline = wrap(...policies, timeout) as unknown as IPolicy<CallContext>;
      // Models overflow into one timeout key; pipelines follow it, so this map stays bounded too.
      if (timeout.key === model) byModel.set(model, pipeline);
    }
    return pipeline;
  }
}
