/**
 * The sliding-window counter (the weighted two-window estimate of Cloudflare, Kong and nginx):
 * windows are aligned to the epoch, each identity keeps the count of the current window and of the
 * one before, and the requests of the last full window length are estimated as
 *
 *   previous × (1 − elapsed / window) + current
 *
 * A request is admitted when the estimate plus itself stays within the limit. Unlike a fixed
 * window, `limit` requests at the end of one window leave only the part of the next window that
 * the previous one has decayed by, so there is no 2× burst at the boundary; memory stays two
 * integers per identity. The same arithmetic runs in Lua (sliding-window-script.ts): keep the two
 * in step.
 */

export interface SlidingWindow {
  /** Requests per window. */
  limit: number;
  windowMs: number;
}

/** One identity's counts at one instant. */
export interface WindowCounts {
  /** Requests counted in the window before the current one. */
  previous: number;
  /** Requests counted in the current window so far. */
  current: number;
  /** Time since the current window began. */
  elapsedMs: number;
}

/** The current window's number since the epoch, and how far into it `nowMs` is. */
export function windowAt(nowMs: number, windowMs: number): { index: number; elapsedMs: number } {
  const index = Math.floor(nowMs / windowMs);
  return { index, elapsedMs: nowMs - index * windowMs };
}

/** The estimated requests in the last `windowMs`. */
export function estimate(window: SlidingWindow, counts: WindowCounts): number {
  return (counts.previous * (window.windowMs - counts.elapsedMs)) / window.windowMs + counts.current;
}

/** Whether one more request fits. */
export function admits(window: SlidingWindow, counts: WindowCounts): boolean {
  return estimate(window, counts) + 1 <= window.limit;
}

/** Requests that would be admitted now, one after the other. */
export function remaining(window: SlidingWindow, counts: WindowCounts): number {
  return Math.max(0, Math.floor(window.limit - estimate(window, counts)));
}

/**
 * Milliseconds until one more request fits if none is counted meanwhile (0: it fits now): later
 * in this window once the previous window has decayed enough, or else in the next window, once
 * this one (then the previous) has.
 */
export function msUntilAdmitted(window: SlidingWindow, counts: WindowCounts): number {
  if (admits(window, counts)) return 0;
  const { limit, windowMs } = window;
  // The current count alone fits: wait for the previous window's weight to fall far enough.
  if (counts.current + 1 <= limit) return Math.max(1, decayedAt(windowMs, counts.previous, limit - 1 - counts.current) - counts.elapsedMs);
  // It does not: in the next window this count is the previous one, and decays in its turn.
  return windowMs - counts.elapsedMs + decayedAt(windowMs, counts.current, limit - 1);
}

/** The first whole millisecond into a window at which `count × (1 − t / window)` is at most `room`. */
function decayedAt(windowMs: number, count: number, room: number): number {
  if (count <= room) return 0;
  // Integer arithmetic first, then one step if rounding left it a millisecond short.
  let at = windowMs - Math.floor((windowMs * room) / count);
  if (count * (windowMs - at) > room * windowMs) at += 1;
  return at;
}
