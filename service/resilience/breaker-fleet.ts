/**
 * How a circuit breaker takes part in a fleet-wide view of its dependency, without knowing where
 * that view lives (Redis, in Levee). Counting and announcing are fire-and-forget; only the
 * half-open probe waits on the fleet, since one probe across all replicas is the point.
 */

/** The fleet's record of one breaker; `open` turns half-open for everyone at `openedAt + halfOpenAfterMs`. */
export interface SharedBreakerState {
  state: 'closed' | 'open' | 'isolated';
  openedAt: number;
  /** Increases with every fleet-wide transition, so late or repeated messages are ignored. */
  version: number;
}

export type ProbeOutcome = 'success' | 'failure' | 'neutral';

/** The fleet's single probe slot, held by this replica until settled. */
export interface ProbeSlot {
  /** Reports the probe's outcome and frees the slot; the fleet's new state, or undefined if unreachable. */
  settle(outcome: ProbeOutcome): Promise<SharedBreakerState | undefined>;
}

export interface BreakerFleetLink {
  /** One counted outcome while closed; batched by the link. */
  count(outcome: 'success' | 'failure'): void;
  /** A decision taken here (opened on local counts, admin reset or isolate) for every replica. */
  announce(state: SharedBreakerState['state'], openedAt: number, reason: string): void;
  /**
   * The fleet's probe slot: a slot; `busy` when another replica holds it, the fleet is not due a
   * probe, or the answer is unknown (a command that failed may still have taken it); undefined
   * when the fleet is known unreachable, and this replica probes on its own.
   */
  acquireProbe(): Promise<ProbeSlot | 'busy' | undefined>;
}
