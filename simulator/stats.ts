/**
 * Counters of what reached the simulator, so a test or benchmark can check what the client under
 * test really sent: how many calls, to which model, how they ended, and how many were open at once
 * (the proof that a half-open breaker lets one probe through, not ten).
 */
import type { Route } from './fault-rules.ts';

/** How a /v1 request ended. `aborted`: the client went away before it was answered. */
export type Outcome = 'ok' | 'error' | 'hang' | 'reset' | 'stall' | 'aborted';

/** GET /_sim/stats. */
export interface StatsSnapshot {
  total: number;
  by_route: Record<Route, number>;
  by_model: Record<string, number>;
  by_outcome: Record<Outcome, number>;
  by_status: Record<string, number>;
  in_flight: { current: number; max: number };
}

/** Distinct model names tracked before the rest are lumped together (a typo loop must not grow memory). */
const MAX_MODELS = 1000;
const OTHER_MODELS = '(other)';

export class SimulatorStats {
  #total = 0;
  #byRoute: Record<Route, number> = { chat: 0, embeddings: 0, models: 0 };
  #byModel = new Map<string, number>();
  #byOutcome: Record<Outcome, number> = emptyOutcomes();
  #byStatus = new Map<number, number>();
  #inFlight = 0;
  #maxInFlight = 0;

  /** A /v1 request arrived; it stays in flight until {@link finished}. */
  started(route: Route | undefined): void {
    this.#total += 1;
    if (route !== undefined) this.#byRoute[route] += 1;
    this.#inFlight += 1;
    if (this.#inFlight > this.#maxInFlight) this.#maxInFlight = this.#inFlight;
  }

  /** The request named a model (known once the body is parsed). */
  model(model: string): void {
    const key = this.#byModel.has(model) || this.#byModel.size < MAX_MODELS ? model : OTHER_MODELS;
    this.#byModel.set(key, (this.#byModel.get(key) ?? 0) + 1);
  }

  /** Response headers went out with this status. */
  status(status: number): void {
    this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
  }

  outcome(outcome: Outcome): void {
    this.#byOutcome[outcome] += 1;
  }

  /** The request's response closed, answered or not. */
  finished(): void {
    this.#inFlight -= 1;
  }

  /** Zeroes the counters. Requests still open stay counted in flight, and set the new maximum. */
  reset(): void {
    this.#total = 0;
    this.#byRoute = { chat: 0, embeddings: 0, models: 0 };
    this.#byModel.clear();
    this.#byOutcome = emptyOutcomes();
    this.#byStatus.clear();
    this.#maxInFlight = this.#inFlight;
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.#total,
      by_route: { ...this.#byRoute },
      by_model: Object.fromEntries(this.#byModel),
      by_outcome: { ...this.#byOutcome },
      by_status: Object.fromEntries([...this.#byStatus].map(([status, count]) => [String(status), count])),
      in_flight: { current: this.#inFlight, max: this.#maxInFlight },
    };
  }
}

function emptyOutcomes(): Record<Outcome, number> {
  return { ok: 0, error: 0, hang: 0, reset: 0, stall: 0, aborted: 0 };
}
