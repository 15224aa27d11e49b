/**
 * Turns the policies' events into metrics, span events on the active call span, and log lines
 * for the decisions an SRE must be able to find (breaker transitions, rate limiting, retries and
 * successes after them, the last two capped per dependency by RetryLog). Gauges that
 * follow the clock (bulkhead load, gate closure, adaptive timeouts) are refreshed at each scrape.
 */
import { trace } from '@opentelemetry/api';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { SPAN_ATTRIBUTE, SPAN_EVENT, SPAN_EVENT_ATTRIBUTE as EVENT } from '../telemetry/names.ts';
import type { AdaptiveTimeout } from './adaptive-timeout.ts';
import { BREAKER_STATES, type BreakerState } from './circuit-breaker.ts';
import type { DependencyPolicies } from './dependency-policies.ts';
import { OUTCOMES } from './outcomes.ts';
import { QUOTA_NAMES } from './outgoing-quota.ts';
import type { GiveUpReason } from './retry.ts';
import { RetryLog } from './retry-log.ts';

const RETRY_REASONS = ['timeout', 'connection_error', 'http_5xx', 'http_429', 'rate_limited', 'error'];
const GIVE_UP_REASONS: readonly GiveUpReason[] = ['not_retryable', 'attempts_exhausted', 'deadline', 'budget_exhausted'];
const TRANSITIONS: ReadonlyArray<[BreakerState, BreakerState]> = [
  ['closed', 'open'],
  ['open', 'half_open'],
  ['half_open', 'closed'],
  ['half_open', 'open'],
];

/**
 * `retryLog` is the dependency's: a dependency with several instances (the LLM's providers) passes
 * the one they share, so its cap counts them together.
 */
export function bridgeTelemetry<Operation extends string>(
  policies: DependencyPolicies<Operation>,
  metrics: Metrics,
  logger: Logger,
  retryLog = new RetryLog(logger, policies.dependency),
): void {
  const { breaker, bulkhead, gate, retries, labels: ids, provider } = policies;
  const { maxAttempts } = policies.sheet.retry;
  const activeSpan = () => trace.getActiveSpan();
  initialiseSeries(policies, metrics);

  const showBreakerState = (state: BreakerState) => {
    for (const candidate of BREAKER_STATES) metrics.breakerState.set({ ...ids, state: candidate }, candidate === state ? 1 : 0);
  };
  showBreakerState(breaker.state);
  breaker.onStateChange(({ from, to, reason }) => {
    showBreakerState(to);
    metrics.breakerTransitions.inc({ ...ids, from, to });
    activeSpan()?.addEvent(SPAN_EVENT.breakerTransition, { [SPAN_ATTRIBUTE.dependency]: policies.dependency, ...(policies.provider === undefined ? {} : { [SPAN_ATTRIBUTE.provider]: policies.provider }), [EVENT.from]: from, [EVENT.to]: to, [EVENT.reason]: reason });
    const line = { ...ids, from, to, reason, half_open_in_ms: breaker.msUntilHalfOpen() };
    if (to === 'open' || to === 'isolated') logger.warn(line, 'circuit breaker opened');
    else logger.info(line, 'circuit breaker state changed');
  });
  breaker.onReject((error) => {
    metrics.breakerRejected.inc({ ...ids, state: error.state });
    activeSpan()?.addEvent(SPAN_EVENT.breakerRejected, { [EVENT.state]: error.state, [EVENT.retryAfterMs]: Math.round(error.retryAfterMs) });
  });

  bulkhead.onReject((error) => {
    metrics.bulkheadRejected.inc({ ...ids, reason: error.reason });
    activeSpan()?.addEvent(SPAN_EVENT.bulkheadRejected, { [EVENT.reason]: error.reason });
  });
  bulkhead.onQueue(({ behindBackground }) => metrics.bulkheadWaited.inc({ ...ids, behind: behindBackground ? 'background' : 'interactive' }));

  gate.onClose(({ until, status, source }) => {
    const line = { ...ids, status, source, rate_limited_for_ms: Math.max(0, until - Date.now()) };
    logger.warn(line, source === 'local' ? 'dependency rate-limited us' : 'dependency rate-limited a peer replica');
  });
  gate.onReject((error) => {
    metrics.rateLimitRejected.inc(ids);
    activeSpan()?.addEvent(SPAN_EVENT.rateLimited, { [EVENT.retryAfterMs]: Math.round(error.retryAfterMs) });
  });

  policies.quota?.onWait(({ quota, waitedMs }) => {
    metrics.quotaWait.observe({ ...ids, quota }, waitedMs / 1000);
    activeSpan()?.addEvent(SPAN_EVENT.quotaWaited, { [EVENT.quota]: quota, [EVENT.waitedMs]: Math.round(waitedMs) });
  });
  policies.quota?.onReject((error) => {
    metrics.quotaRejected.inc({ ...ids, quota: error.quota });
    activeSpan()?.addEvent(SPAN_EVENT.quotaRejected, { [EVENT.quota]: error.quota, [EVENT.retryAfterMs]: Math.round(error.retryAfterMs) });
  });

  for (const [operation, retry] of retries) {
    retry.onRetry(({ attempt, delayMs, reason }) => {
      metrics.retries.inc({ ...ids, operation, reason });
      activeSpan()?.addEvent(SPAN_EVENT.retry, { [EVENT.attempt]: attempt, [EVENT.delayMs]: Math.round(delayMs), [EVENT.reason]: reason });
      retryLog.retrying({ provider, operation, attempt, maxAttempts, errorType: reason, waitMs: delayMs });
    });
    retry.onSuccessAfterRetry(({ attempts }) => retryLog.recovered({ provider, operation, attempts }));
    retry.onGiveUp(({ reason, attempts, classification }) => {
      metrics.retryGiveUps.inc({ ...ids, operation, reason });
      if (reason === 'budget_exhausted') metrics.retryBudgetExhausted.inc(ids);
      activeSpan()?.addEvent(SPAN_EVENT.retryGiveUp, { [EVENT.reason]: reason, [EVENT.attempts]: attempts, [EVENT.errorType]: classification.errorType });
    });
  }

  metrics.refreshers.add(() => {
    metrics.bulkheadActive.set(ids, bulkhead.active);
    metrics.bulkheadQueued.set(ids, bulkhead.queued);
    metrics.bulkheadCapacity.set(ids, bulkhead.capacity);
    metrics.rateLimitedFor.set(ids, gate.remainingMs() / 1000);
    showBreakerState(breaker.state);
    const timeoutsByOperation: Array<[string, AdaptiveTimeout]> = [...policies.timeouts];
    if (policies.idleTimeout) timeoutsByOperation.push(['stream_idle', policies.idleTimeout]);
    for (const [operation, timeouts] of timeoutsByOperation) {
      for (const [model, policy] of timeouts.entries()) {
        const { timeoutMs, p95Ms } = policy.tracker.current();
        metrics.adaptiveTimeout.set({ ...ids, operation, model }, timeoutMs / 1000);
        metrics.observedP95.set({ ...ids, operation, model }, p95Ms / 1000);
        if (policy.tracker.adapts) metrics.adaptiveTimeoutCeiling.set({ ...ids, operation, model }, policy.tracker.ceilingMs / 1000);
      }
    }
  });
}

/** Every label value we know of starts at 0, so rates and alerts work before the first event. */
function initialiseSeries<Operation extends string>(policies: DependencyPolicies<Operation>, metrics: Metrics): void {
  const ids = policies.labels;
  for (const operation of policies.timeouts.keys()) {
    for (const outcome of OUTCOMES) {
      metrics.dependencyCalls.inc({ ...ids, operation, outcome }, 0);
      metrics.dependencyAttempts.inc({ ...ids, operation, outcome }, 0);
    }
    for (const reason of RETRY_REASONS) metrics.retries.inc({ ...ids, operation, reason }, 0);
    for (const reason of GIVE_UP_REASONS) metrics.retryGiveUps.inc({ ...ids, operation, reason }, 0);
  }
  for (const [from, to] of TRANSITIONS) metrics.breakerTransitions.inc({ ...ids, from, to }, 0);
  for (const state of ['open', 'half_open', 'isolated']) metrics.breakerRejected.inc({ ...ids, state }, 0);
  for (const reason of ['queue_full', 'queue_timeout', 'background_yield']) metrics.bulkheadRejected.inc({ ...ids, reason }, 0);
  for (const behind of ['interactive', 'background']) metrics.bulkheadWaited.inc({ ...ids, behind }, 0);
  metrics.retryBudgetExhausted.inc(ids, 0);
  metrics.rateLimitRejected.inc(ids, 0);
  if (policies.quota) {
    for (const quota of QUOTA_NAMES) {
      metrics.quotaWait.zero({ ...ids, quota });
      metrics.quotaRejected.inc({ ...ids, quota }, 0);
    }
  }
}
