/**
 * A hedged attempt: when the first attempt has not answered by the live P95 of its provider,
 * operation and model (never before the floor), one more goes to the next-best deployment. The
 * first good answer wins and the other is aborted at once. Hedges have their own budget (a share
 * of calls over a window, like retries), never go to an unavailable deployment (the caller's
 * `nextBest` only offers available ones), and are not sent when the deadline cannot fit one.
 */
import { childSignal, remainingMsOf } from '../../../resilience/deadline.ts';
import type { RetryBudget } from '../../../resilience/retry-budget.ts';
import type { Metrics } from '../../../telemetry/metrics.ts';
import type { LlmOperation } from '../policies.ts';
import type { Deployment } from './deployment.ts';

export type HedgeBudget = Pick<RetryBudget, 'recordCall' | 'tryAcquireRetry'>;

export interface HedgedAttemptOptions {
  operation: LlmOperation;
  /** The public model's label, for the hedge metrics. */
  model: string;
  metrics: Metrics;
  budget: HedgeBudget;
  floorMs: number;
  /** The deployment a hedge would go to now, if any. */
  nextBest: () => Deployment | undefined;
}

export type HedgeOutcome<T> = { ok: true; value: T; deployment: Deployment } | { ok: false; failures: Array<{ deployment: Deployment; error: unknown }> };

class HedgeLost extends Error {
  constructor() {
    super('Another attempt answered first');
    this.name = 'HedgeLost';
  }
}

export class HedgedAttempt {
  readonly #options: HedgedAttemptOptions;

  constructor(options: HedgedAttemptOptions) {
    this.#options = options;
  }

  async run<T>(first: Deployment, signal: AbortSignal, attempt: (deployment: Deployment, signal: AbortSignal) => Promise<T>): Promise<HedgeOutcome<T>> {
    const { budget, metrics, operation, model } = this.#options;
    budget.recordCall();
    const racers: Array<{ deployment: Deployment; cancel: (reason: unknown) => void; settled: Promise<Settled<T>>; done: boolean }> = [];
    const start = (deployment: Deployment) => {
      const child = childSignal(signal);
      const racer = { deployment, cancel: child.cancel, done: false, settled: undefined as unknown as Promise<Settled<T>> };
      racer.settled = attempt(deployment, child.signal).then(
        (value): Settled<T> => ({ ok: true, value, deployment }),
        (error: unknown): Settled<T> => ({ ok: false, error, deployment }),
      ).finally(() => {
        racer.done = true;
      });
      racers.push(racer);
    };
    start(first);

    const p95 = first.p95Ms(operation);
    // Without a live P95 there is no telling slow from normal yet: no hedge.
    const hedgeAfterMs = p95 > 0 ? Math.max(this.#options.floorMs, p95) : undefined;
    let winner: (Settled<T> & { ok: true }) | undefined;
    if (hedgeAfterMs !== undefined) {
      const timer = new Promise<'hedge'>((resolve) => {
        const handle = setTimeout(() => resolve('hedge'), hedgeAfterMs);
        handle.unref?.();
        void racers[0]!.settled.finally(() => clearTimeout(handle));
      });
      const early = await Promise.race([racers[0]!.settled, timer]);
      if (early === 'hedge') {
        const second = this.#options.nextBest();
        // Not sent when the deadline cannot fit one more attempt of this latency.
        if (second && second !== first && remainingMsOf(signal) > hedgeAfterMs) {
          if (budget.tryAcquireRetry()) {
            metrics.hedges.inc({ operation, model, event: 'sent' });
            start(second);
          } else {
            metrics.hedges.inc({ operation, model, event: 'budget_exhausted' });
          }
        }
      } else if (early.ok) winner = early;
    }

    const failures: Array<{ deployment: Deployment; error: unknown }> = [];
    if (winner === undefined) {
      // The first good answer wins; failures wait for the others.
      const pending = [...racers];
      while (pending.length > 0 && !winner) {
        const settled = await Promise.race(pending.map((racer) => racer.settled));
        pending.splice(pending.findIndex((racer) => racer.deployment === settled.deployment), 1);
        if (settled.ok) winner = settled;
        else failures.push({ deployment: settled.deployment, error: settled.error });
      }
    }
    if (!winner) return { ok: false, failures };
    for (const racer of racers) {
      if (racer.deployment === winner.deployment || racer.done) continue;
      racer.cancel(new HedgeLost());
      metrics.hedges.inc({ operation, model, event: 'cancelled' });
    }
    if (racers.length > 1 && winner.deployment !== first) metrics.hedges.inc({ operation, model, event: 'won' });
    return { ok: true, value: winner.value, deployment: winner.deployment };
  }
}

type Settled<T> = { ok: true; value: T; deployment: Deployment } | { ok: false; error: unknown; deployment: Deployment };
