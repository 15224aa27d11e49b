/**
 * One LLM call routed across deployments: the model's own deployments first (weighted, skipping
 * those whose breaker is open, that are inside a Retry-After or out of announced headroom), then
 * (chat) its fallback models in order. A retryable failure moves on at once to a deployment not
 * yet tried; only when none is left is a tried one retried, after the backoff (and any
 * Retry-After), as a single provider always was. All of it within one retry budget, the attempt
 * limit and the request's deadline. Invalid requests (400, 422) are never retried anywhere; a
 * provider answering 401/403/404 is misconfigured for that deployment, and the call moves on.
 *
 * Each attempt runs under its provider's own policies without retry (DependencyPolicies.
 * executeOnce); this loop is the retry. One `llm <operation>` span per call, one client span
 * per attempt, as for every dependency.
 */
import { trace } from '@opentelemetry/api';
import type { IBackoff } from 'cockatiel';
import type { RoutingConfig } from '../../../config/models.ts';
import type { BulkheadLease } from '../../../resilience/bulkhead.ts';
import { classifyFailure, type FailureClassification } from '../../../resilience/classification.ts';
import { remainingMsOf } from '../../../resilience/deadline.ts';
import { RateLimitedError } from '../../../resilience/errors.ts';
import type { CallContext } from '../../../resilience/dependency-policies.ts';
import type { Attempt } from '../../../resilience/instrumented-calls.ts';
import { jitteredBackoff, retryDelayMs, type GiveUpReason, type RetryOptions } from '../../../resilience/retry.ts';
import type { RetryBudget } from '../../../resilience/retry-budget.ts';
import type { RetryLog } from '../../../resilience/retry-log.ts';
import { sleep } from '../../../resilience/sleep.ts';
import type { Logger } from '../../../telemetry/logger.ts';
import type { Metrics } from '../../../telemetry/metrics.ts';
import { SPAN_ATTRIBUTE, SPAN_EVENT, SPAN_EVENT_ATTRIBUTE as EVENT } from '../../../telemetry/names.ts';
import type { HeadersObserver } from '../client.ts';
import { classifyLlmFailure } from '../errors.ts';
import type { LlmOperation } from '../policies.ts';
import { chooseDeployment } from './choose-deployment.ts';
import type { Deployment } from './deployment.ts';
import { HedgedAttempt, type HedgeBudget } from './hedged-attempt.ts';
import { withCallTelemetry, type Choice, type Progress, type Served } from './routed-call-telemetry.ts';
import type { Route } from './routing-table.ts';

export interface RoutedCallSpec {
  operation: LlmOperation;
  /** The model asked for, then its fallbacks. */
  chain: readonly Route[];
  /** `POST /chat/completions`: the attempt spans' name. */
  attemptSpanName: string;
  /** Hedge this call (idempotent calls whose model opts in). */
  hedge: boolean;
}

/** One attempt on one deployment; `observe` takes the answer's headers (rate-limit headroom). */
export type DeploymentCall<T> = (deployment: Deployment, attempt: Parameters<Attempt<T>>[0] & { observe: HeadersObserver }) => Promise<T>;

export interface RoutedCallsOptions {
  metrics: Metrics;
  logger: Logger;
  /** The `llm` retry log lines (capped), shared with the providers. */
  retryLog: RetryLog;
  retry: Pick<RetryOptions, 'maxAttempts' | 'initialDelayMs' | 'maxDelayMs' | 'jitter'>;
  /** One budget for every retry of every provider. */
  budget: RetryBudget;
  hedgeBudget: HedgeBudget;
  routing: () => RoutingConfig;
  random?: () => number;
}

type Run<R> = (deployment: Deployment, attempt: number, signal: AbortSignal) => Promise<R>;
type Failure = { deployment: Deployment; error: unknown };

export class RoutedCalls {
  readonly #options: RoutedCallsOptions;
  readonly #random: () => number;

  constructor(options: RoutedCallsOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  run<T>(spec: RoutedCallSpec, signal: AbortSignal, call: DeploymentCall<T>): Promise<{ value: T; served: Served }> {
    return this.#instrumented(spec, signal, (deployment, attempt, attemptSignal) =>
      deployment.provider.policies.executeOnce(spec.operation, deployment.modelLabel, this.#attempt(spec, deployment, attempt, attemptSignal, call), attemptSignal),
    ).then(({ result, served }) => ({ value: result, served }));
  }

  /** For streams: the deployment's bulkhead slot comes back with the value, and the caller releases it. */
  runHoldingSlot<T>(spec: RoutedCallSpec, signal: AbortSignal, call: DeploymentCall<T>): Promise<{ value: T; lease: BulkheadLease; served: Served }> {
    return this.#instrumented(spec, signal, (deployment, attempt, attemptSignal) =>
      deployment.provider.policies.executeOnceHoldingSlot(spec.operation, deployment.modelLabel, this.#attempt(spec, deployment, attempt, attemptSignal, call), attemptSignal),
    ).then(({ result, served }) => ({ ...result, served }));
  }

  #attempt<T>(spec: RoutedCallSpec, deployment: Deployment, attempt: number, signal: AbortSignal, call: DeploymentCall<T>) {
    const attemptSpec = {
      operation: spec.operation,
      model: deployment.modelLabel,
      attemptSpanName: spec.attemptSpanName,
      attemptAttributes: { [SPAN_ATTRIBUTE.genAiRequestModel]: deployment.modelLabel },
    };
    const observe: HeadersObserver = (headers) => deployment.headroom.observe(headers);
    return (policyContext: CallContext) =>
      deployment.provider.calls.attempt(attemptSpec, signal, { ...policyContext, attempt }, (attemptContext) => call(deployment, { ...attemptContext, observe }));
  }

  /** The call span and call metrics around the routing loop. */
  #instrumented<R>(spec: RoutedCallSpec, signal: AbortSignal, run: Run<R>): Promise<{ result: R; served: Served }> {
    const progress: Progress = { attempts: 0, last: undefined, hedged: false };
    return withCallTelemetry(spec, signal, this.#options.metrics, progress, () => this.#route(spec, signal, run, progress));
  }

  async #route<R>(spec: RoutedCallSpec, signal: AbortSignal, run: Run<R>, progress: Progress): Promise<{ result: R; deployment: Deployment; route: Route }> {
    const { budget, retry } = this.#options;
    const tried = new Set<Deployment>();
    let lastError: unknown;
    /** Whether the last failure is one a retry may cure (a transient or rate-limited answer). */
    let retryable = false;
    /** An upstream failure that the next attempt retries: it costs the budget (and, on the same deployment, a backoff). */
    let pendingRetry = false;
    let backoff: IBackoff<unknown> | undefined;
    let retried = false;
    budget.recordCall();
    for (;;) {
      let pick = this.#untried(spec.chain, tried);
      let again = false;
      if (!pick) {
        if (lastError === undefined) pick = this.#firstAnyway(spec.chain);
        else if (retryable) {
          pick = this.#retryTarget(spec.chain, progress.last);
          again = true;
        } else throw lastError;
      }
      if (!pick) throw lastError;
      const lastClassification = lastError === undefined ? undefined : classifyFailure(lastError, signal, classifyLlmFailure);
      if (lastClassification && progress.attempts >= retry.maxAttempts) {
        throw this.#giveUp(spec, 'attempts_exhausted', lastError, lastClassification, progress, signal);
      }
      if (pendingRetry && lastClassification) {
        pendingRetry = false;
        let delayMs = 0;
        if (again) {
          backoff = backoff ? backoff.next(undefined) : jitteredBackoff(retry, this.#random).next();
          delayMs = retryDelayMs(lastClassification, backoff.duration, pick.deployment.provider.policies.gate);
        }
        if (delayMs >= remainingMsOf(signal)) throw this.#giveUp(spec, 'deadline', lastError, lastClassification, progress, signal);
        if (!budget.tryAcquireRetry()) throw this.#giveUp(spec, 'budget_exhausted', lastError, lastClassification, progress, signal);
        const failedOn = progress.last!.deployment.provider.id;
        this.#options.metrics.retries.inc({ dependency: 'llm', provider: failedOn, operation: spec.operation, reason: lastClassification.errorType });
        trace.getActiveSpan()?.addEvent(SPAN_EVENT.retry, { [EVENT.attempt]: progress.attempts, [EVENT.delayMs]: Math.round(delayMs), [EVENT.reason]: lastClassification.errorType });
        this.#options.retryLog.retrying({ provider: failedOn, operation: spec.operation, attempt: progress.attempts, maxAttempts: retry.maxAttempts, errorType: lastClassification.errorType, waitMs: delayMs });
        retried = true;
        if (delayMs > 0) await sleep(delayMs, signal);
      }

      const outcome = await this.#attemptOn(spec, pick, tried, signal, run, progress, again);
      if (outcome.ok) {
        if (retried) this.#options.retryLog.recovered({ provider: outcome.deployment.provider.id, operation: spec.operation, attempts: progress.attempts });
        return outcome;
      }
      for (const { deployment, error } of outcome.failures) {
        const classification = classifyFailure(error, signal, classifyLlmFailure);
        if (classification.errorType === 'cancelled') throw error;
        if (ownRefusal(classification)) {
          // Our own policy refused without calling (breaker open, 429 gate, full bulkhead, quota):
          // not an attempt; the next deployment is tried, or this refusal is the answer.
          if (lastError === undefined || !retryable || again) {
            lastError = error;
            retryable = false;
          }
          continue;
        }
        lastError = error;
        retryable = classification.retry === 'transient' || classification.retry === 'rate_limited';
        pendingRetry = retryable;
        if (classification.retry === 'permanent') {
          if (!misconfigured(classification.status)) throw error;
          this.#options.metrics.misconfiguredDeployments.inc({ provider: deployment.provider.id, upstream_model: deployment.modelLabel, http_response_status_code: String(classification.status) });
          this.#options.logger.error({ provider: deployment.provider.id, upstream_model: deployment.modelLabel, status: classification.status }, 'deployment misconfigured: the provider refused the call; moving on');
        }
      }
    }
  }

  /** Runs one attempt (hedged when the spec allows and another deployment can take the hedge). */
  async #attemptOn<R>(spec: RoutedCallSpec, pick: Choice, tried: Set<Deployment>, signal: AbortSignal, run: Run<R>, progress: Progress, again: boolean) {
    tried.add(pick.deployment);
    progress.last = pick;
    const attempt = (deployment: Deployment, attemptSignal: AbortSignal) => {
      const number = progress.attempts;
      return this.#tracked(deployment, attemptSignal, () => run(deployment, number, attemptSignal), progress);
    };
    if (!spec.hedge || again) {
      try {
        return { ok: true as const, result: await attempt(pick.deployment, signal), deployment: pick.deployment, route: pick.route };
      } catch (error) {
        return { ok: false as const, failures: [{ deployment: pick.deployment, error }] as Failure[] };
      }
    }
    const hedged = new HedgedAttempt({
      operation: spec.operation,
      model: spec.chain[0]!.label,
      metrics: this.#options.metrics,
      budget: this.#options.hedgeBudget,
      floorMs: spec.chain[0]!.hedge.floorMs,
      nextBest: () => this.#untried([pick.route], tried)?.deployment,
    });
    const outcome = await hedged.run(pick.deployment, signal, (deployment, attemptSignal) => {
      if (deployment !== pick.deployment) {
        tried.add(deployment);
        progress.hedged = true;
      }
      return attempt(deployment, attemptSignal);
    });
    if (outcome.ok) {
      progress.last = { deployment: outcome.deployment, route: pick.route };
      return { ok: true as const, result: outcome.value, deployment: outcome.deployment, route: pick.route };
    }
    return { ok: false as const, failures: outcome.failures };
  }

  /** Counts the attempt when it reached the provider, and keeps the deployment's live health. */
  async #tracked<R>(deployment: Deployment, signal: AbortSignal, work: () => Promise<R>, progress: Progress): Promise<R> {
    const started = performance.now();
    deployment.started();
    try {
      const result = await work();
      progress.attempts += 1;
      deployment.ended('success', performance.now() - started);
      return result;
    } catch (error) {
      const classification = classifyFailure(error, signal, classifyLlmFailure);
      // A hedge cancelled after it reached the provider still was an attempt.
      if (!ownRefusal(classification)) progress.attempts += 1;
      deployment.ended(classification.breaker === 'failure' ? 'failure' : 'neutral', performance.now() - started);
      throw error;
    }
  }

  /** The first model in the chain with an available deployment not tried yet, weighted among those. */
  #untried(chain: readonly Route[], tried: ReadonlySet<Deployment>): Choice | undefined {
    const now = Date.now();
    for (const route of chain) {
      const candidates = route.deployments.filter((deployment) => !tried.has(deployment) && deployment.unavailable(now) === undefined);
      const deployment = chooseDeployment(candidates, { healthWeighting: this.#options.routing().healthWeighting, random: this.#random });
      if (deployment) return { deployment, route };
    }
    return undefined;
  }

  /** Nothing is available: the requested model's first deployment, whose policies then answer (wait out a 429, or refuse at once). */
  #firstAnyway(chain: readonly Route[]): Choice | undefined {
    const route = chain[0]!;
    const deployment = route.deployments.find((candidate) => candidate.unavailable() !== 'breaker_open') ?? route.deployments[0];
    return deployment ? { deployment, route } : undefined;
  }

  /** Every deployment was tried: retry an available one (chain order), else the last one tried, which waits out its Retry-After. */
  #retryTarget(chain: readonly Route[], last: Choice | undefined): Choice | undefined {
    const now = Date.now();
    for (const route of chain) {
      const deployment = route.deployments.find((candidate) => candidate.unavailable(now) === undefined);
      if (deployment) return { deployment, route };
    }
    return last;
  }

  #giveUp(spec: RoutedCallSpec, reason: GiveUpReason, error: unknown, classification: FailureClassification, progress: Progress, signal: AbortSignal): unknown {
    const provider = progress.last?.deployment.provider;
    this.#options.metrics.retryGiveUps.inc({ dependency: 'llm', ...(provider ? { provider: provider.id } : {}), operation: spec.operation, reason });
    if (reason === 'budget_exhausted') this.#options.metrics.retryBudgetExhausted.inc({ dependency: 'llm', ...(provider ? { provider: provider.id } : {}) });
    trace.getActiveSpan()?.addEvent(SPAN_EVENT.retryGiveUp, { [EVENT.reason]: reason, [EVENT.attempts]: progress.attempts, [EVENT.errorType]: classification.errorType });
    const gate = provider?.policies.gate;
    if (classification.retry === 'rate_limited' && gate && gate.remainingMs() > 0 && !signal.aborted) {
      return new RateLimitedError('llm', gate.remainingMs(), classification.status === 503 ? 503 : 429, { cause: error });
    }
    return error;
  }
}

/** A refusal by one of Levee's own policies: nothing was sent to the provider. */
function ownRefusal(classification: FailureClassification): boolean {
  return ['circuit_open', 'bulkhead_rejected', 'rate_limited', 'quota_exhausted'].includes(classification.errorType);
}

/** The provider refused this deployment itself: wrong key, no access, or no such model there. */
function misconfigured(status: number | undefined): boolean {
  return status === 401 || status === 403 || status === 404;
}
