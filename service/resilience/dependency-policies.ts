/**
 * Builds, once at start-up, the shared policies of one dependency from its policy sheet, and
 * composes them with cockatiel's `wrap` in this order, outermost first:
 *
 *   (request deadline) → bulkhead → rate-limit gate → retry → circuit breaker → adaptive timeout → call
 *
 * The bulkhead is outermost so a call waiting out a backoff still holds its slot (concurrency is
 * what it bounds); the gate sits outside retry so first attempts wait too; the breaker sits inside
 * retry so it counts attempts and a retry meets a freshly opened circuit; the timeout is innermost
 * because it times one attempt.
 */
import { wrap, type IPolicy } from 'cockatiel';
import { AdaptiveTimeout, type AttemptContext } from './adaptive-timeout.ts';
import type { AdaptiveTimeoutOptions } from './adaptive-timeout-tracker.ts';
import { Bulkhead, type BulkheadLease, type BulkheadOptions } from './bulkhead.ts';
import { classifyFailure, type DependencyClassifier } from './classification.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { CountAndRateBreaker, type CountAndRateBreakerOptions } from './count-and-rate-breaker.ts';
import { RateLimitGate, type RateLimitGateOptions } from './rate-limit-gate.ts';
import { ClassifiedRetry, type RetryContext, type RetryOptions } from './retry.ts';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.ts';

/** Everything one dependency declares about how it is called. */
export interface PolicySheet<Operation extends string> {
  dependency: string;
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
}

export type CallContext = AttemptContext & RetryContext;

export class DependencyPolicies<Operation extends string> {
  readonly dependency: string;
  readonly sheet: PolicySheet<Operation>;
  readonly bulkhead: Bulkhead;
  readonly gate: RateLimitGate;
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget;
  readonly retries: ReadonlyMap<Operation, ClassifiedRetry>;
  readonly timeouts: ReadonlyMap<Operation, AdaptiveTimeout>;
  /** Gaps between stream chunks, per model (when the sheet declares streaming). */
  readonly idleTimeout: AdaptiveTimeout | undefined;
  /** Composed pipelines per operation and model, without the bulkhead (streams hold it apart). */
  readonly #pipelines = new Map<string, IPolicy<CallContext>>();

  constructor(sheet: PolicySheet<Operation>, random: () => number = Math.random) {
    const { dependency } = sheet;
    this.dependency = dependency;
    this.sheet = sheet;
    this.bulkhead = new Bulkhead({ dependency, ...sheet.bulkhead });
    this.gate = new RateLimitGate({ dependency, ...sheet.rateLimit });
    this.budget = new RetryBudget(sheet.retryBudget);
    this.breaker = new CircuitBreaker({
      dependency,
      breaker: new CountAndRateBreaker(sheet.breaker),
      halfOpenAfterMs: sheet.breaker.halfOpenAfterMs,
      successesToClose: sheet.breaker.successesToClose,
      countsAsFailure: (error, signal) => classifyFailure(error, signal, sheet.classify).breaker === 'failure',
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

  /** Runs `attempt` under every policy, the bulkhead slot held only for the call. */
  execute<T>(operation: Operation, model: string, attempt: (context: CallContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.bulkhead.execute(() => this.#pipeline(operation, model).execute(attempt, signal), signal);
  }

  /**
   * Like execute, but the bulkhead slot outlives the call: a stream holds it until it ends, and
   * the caller must release the lease then (or when anything fails).
   */
  async executeHoldingSlot<T>(
    operation: Operation,
    model: string,
    attempt: (context: CallContext) => Promise<T>,
    signal: AbortSignal,
  ): Promise<{ value: T; lease: BulkheadLease }> {
    const lease = await this.bulkhead.acquire(signal);
    try {
      return { value: await this.#pipeline(operation, model).execute(attempt, signal), lease };
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  #pipeline(operation: Operation, model: string): IPolicy<CallContext> {
    const key = `${operation}\u0000${model}`;
    let pipeline = this.#pipelines.get(key);
    if (!pipeline) {
      const timeout = this.timeouts.get(operation)!.forKey(model);
      const retry = this.retries.get(operation)!;
      const policies = this.sheet.breaker.enabled ? [this.gate, retry, this.breaker, timeout] : [this.gate, retry, timeout];
      pipeline = wrap(...policies) as unknown as IPolicy<CallContext>;
      // Models overflow into one timeout key; pipelines follow it, so this map stays bounded too.
      if (timeout.key === model) this.#pipelines.set(key, pipeline);
    }
    return pipeline;
  }
}
