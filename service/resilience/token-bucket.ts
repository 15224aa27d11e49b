/**
 * A per-minute budget kept as a token bucket: it holds at most `perMinute` units, refills
 * continuously at `perMinute` units a minute, and starts full. The limit is passed on every use
 * (a replica's share of a fleet limit may change); the level may go below zero when usage is
 * only known afterwards (tokens), down to one minute's worth of debt.
 */

const MINUTE_MS = 60_000;

/** Rounding slack, so a wait computed to reach a level really reaches it. */
const EPSILON = 1e-9;
/** Likewise for waits: 1000.0000001 ms is 1 000 ms. */
const EPSILON_MS = 1e-6;

export class TokenBucket {
  /** NaN until first used: a bucket nobody has drawn from is full. */
  #level = Number.NaN;
  #at = 0;

  /** The level now, refilled since the last use and capped at `perMinute`. */
  level(perMinute: number, now = Date.now()): number {
    const level = Number.isNaN(this.#level) ? perMinute : Math.min(perMinute, this.#level + (Math.max(0, now - this.#at) * perMinute) / MINUTE_MS);
    this.#level = level;
    this.#at = now;
    return level;
  }

  /** Milliseconds until the level reaches `target` (0 when it already has). */
  msUntil(target: number, perMinute: number, now = Date.now()): number {
    const missing = target - this.level(perMinute, now);
    return missing <= EPSILON ? 0 : Math.max(1, Math.ceil((missing * MINUTE_MS) / perMinute - EPSILON_MS));
  }

  /** Adds `delta` (negative to draw), never above `perMinute` nor below `floor` (default: a minute of debt). */
  add(delta: number, perMinute: number, now = Date.now(), floor = -perMinute): number {
    this.#level = Math.max(floor, Math.min(perMinute, this.level(perMinute, now) + delta));
    return this.#level;
  }
}
