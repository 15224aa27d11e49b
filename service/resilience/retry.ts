/**
 * Retries one dependency call by the class of its failure: transient failures after exponential
 * backoff with ±jitter; rate-limited ones after max(Retry-After, 2 × backoff); permanent ones and
 * our own rejections (breaker, bulkhead, caller abort) never. Never sleeps past the caller's
 * deadline, and spends retries only while the dependency's retry budget allows.
 *
 * Cockatiel's RetryPolicy sleeps without listening to the caller's signal and has no budget, so
 * this is an IPolicy of our own over cockatiel's ExponentialBackoff.
 */
import { EventEmitter, ExponentialBackoff, type GeneratorFn, type IBackoff, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { classifyFailure, type DependencyClassifier, type FailureClassification } from './classification.ts';
import { remainingMsOf } from './deadline.ts';
import { RateLimitedError } from './errors.ts';
import { PolicyBase } from './policy-base.ts';
import type { RateLimitGate } from './rate-limit-gate.ts';
import type { RetryBudget } from './retry-budget.ts';
import { sleep } from './sleep.ts';

export interface RetryContext extends IDefaultPolicyContext {
  /** 0 for the first call, 1 for the first retry… (`http.request.resend_count`). */
  attempt: number;
}

export interface RetryOptions {
  dependency: string;
  /** Calls in all, the first included (3 = 1 call + 2 retries). */
  maxAttempts: number;
  /** First backoff (ms); doubles each retry. */
  initialDelayMs: number;
  /** Backoff cap before jitter (ms). */
  maxDelayMs: number;
  /** ± share of each delay drawn at random (0.25). */
  jitter: number;
  classify: DependencyClassifier;
  budget: RetryBudget;
  /** Rate-limited answers close it; retries never go before it opens. */
  gate: RateLimitGate;
  /** Injected for tests. */
  random?: () => number;
}

export interface RetryEvent {
  dependency: string;
  /** The retry about to happen: 1 for the first retry. */
  attempt: number;
  delayMs: number;
  reason: string;
  classification: FailureClassification;
}

export interface SuccessAfterRetryEvent {
  dependency: string;
  /** Attempts made in all, the successful one included (2 or more). */
  attempts: number;
}

export type GiveUpReason = 'not_retryable' | 'attempts_exhausted' | 'deadline' | 'budget_exhausted';

export interface GiveUpEvent {
  dependency: string;
  reason: GiveUpReason;
  attempts: number;
  classification: FailureClassification;
}

/**
 * The wait before a retry: the backoff; after a rate-limited answer max(Retry-After, 2 × backoff);
 * never before the rate-limit gate opens.
 */
export function retryDelayMs(classification: FailureClassification, backoffMs: number, gate: Pick<RateLimitGate, 'remainingMs'>): number {
  const delayMs = classification.retry === 'rate_limited' ? Math.max(classification.retryAfterMs ?? 0, 2 * backoffMs) : backoffMs;
  return Math.max(delayMs, gate.remainingMs());
}

/** Exponential backoff (doubling from initialDelayMs up to maxDelayMs) with ±jitter on every delay. */
export function jitteredBackoff(options: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>, random: () => number): ExponentialBackoff<number> {
  const jittered: GeneratorFn<number> = (retries = 0, backoff) => {
    const nominal = Math.min(backoff.maxDelay, backoff.initialDelay * backoff.exponent ** retries);
    return [nominal * (1 + options.jitter * (2 * random() - 1)), retries + 1];
  };
  return new ExponentialBackoff({ generator: jittered, initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs, exponent: 2 });
}

export class ClassifiedRetry extends PolicyBase implements IPolicy<RetryContext> {
  readonly #options: RetryOptions;
  readonly #backoff: ExponentialBackoff<number>;
  readonly #retries = new EventEmitter<RetryEvent>();
  readonly #giveUps = new EventEmitter<GiveUpEvent>();
  readonly #recoveries = new EventEmitter<SuccessAfterRetryEvent>();
  /** Fires before each retry's backoff. */
  readonly onRetry = this.#retries.addListener;
  /** Fires when a failed call will not be retried again, and why. */
  readonly onGiveUp = this.#giveUps.addListener;
  /** Fires when a call succeeds after at least one retry. */
  readonly onSuccessAfterRetry = this.#recoveries.addListener;

  constructor(options: RetryOptions) {
    super();
    this.#options = options;
    this.#backoff = jitteredBackoff(options, options.random ?? Math.random);
  }

  async execute<T>(fn: (context: RetryContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    const { budget, gate, dependency } = this.#options;
    budget.recordCall();
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt++) {
      let value: T;
      try {
        value = await this.observe(() => fn({ signal, attempt }));
      } catch (error) {
        const classification = classifyFailure(error, signal, this.#options.classify);
        if (classification.retry === 'rate_limited') gate.closeFor(classification.retryAfterMs, classification.status === 503 ? 503 : 429);
        const giveUp = (reason: GiveUpReason) => {
          this.#giveUps.emit({ dependency, reason, attempts: attempt + 1, classification });
          return classification.retry === 'rate_limited' && gate.remainingMs() > 0
            ? new RateLimitedError(dependency, gate.remainingMs(), classification.status === 503 ? 503 : 429, { cause: error })
            : error;
        };
        if (classification.retry === 'never' || classification.retry === 'permanent') throw giveUp('not_retryable');
        if (attempt + 1 >= this.#options.maxAttempts) throw giveUp('attempts_exhausted');

        backoff = backoff ? backoff.next(undefined) : this.#backoff.next();
        const delayMs = retryDelayMs(classification, backoff.duration, gate);
        if (delayMs >= remainingMsOf(signal)) throw giveUp('deadline');
        if (!budget.tryAcquireRetry()) throw giveUp('budget_exhausted');

        this.#retries.emit({ dependency, attempt: attempt + 1, delayMs, reason: classification.errorType, classification });
        await sleep(delayMs, signal);
        continue;
      }
      // Outside the try: a listener that throws must not count as a failed attempt.
      if (attempt > 0) this.#recoveries.emit({ dependency, attempts: attempt + 1 });
      return value;
    }
  }
}
