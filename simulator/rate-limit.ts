/**
 * A request rate limit with OpenAI's headers, so a client's (or Levee's) handling of them can be
 * tested against the same signals a real provider sends: `x-ratelimit-limit-requests`,
 * `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests` on every chat and embeddings
 * answer, and a 429 `rate_limit_exceeded` with `retry-after` / `retry-after-ms` once the window is
 * used up. A fixed window: it opens at the first request after the previous one ran out (or after
 * the limit was set), and a refused request is not counted.
 */
import { z } from 'zod';
import type { Exchange } from './exchange.ts';

/** At most `requests` chat and embeddings requests per `windowMs`. */
export interface RateLimit {
  requests: number;
  windowMs: number;
}

/** What GET /_sim/rate-limit shows. */
export interface RateLimitView {
  requests: number;
  window_ms: number;
  /** Requests left in the current window (the full limit when no window is open). */
  remaining: number;
  /** Milliseconds until the current window closes; null when no window is open. */
  reset_ms: number | null;
}

/** A day: longer windows are a typo. */
const MAX_WINDOW_MS = 86_400_000;
const MAX_REQUESTS = 1_000_000_000;

/** PUT /_sim/rate-limit, in the admin API's snake case. */
export const rateLimitBodySchema = z
  .strictObject({
    requests: z.int().min(1).max(MAX_REQUESTS),
    window_ms: z.int().min(1).max(MAX_WINDOW_MS),
  })
  .transform(({ requests, window_ms }): RateLimit => ({ requests, windowMs: window_ms }));

/** Checks a limit given in code (start option, handle); throws RangeError naming the field. */
export function checkRateLimit(limit: RateLimit, name = 'rateLimit'): RateLimit {
  const { requests, windowMs } = limit;
  if (!Number.isInteger(requests) || requests < 1 || requests > MAX_REQUESTS) {
    throw new RangeError(`${name}.requests must be an integer from 1 to ${MAX_REQUESTS}, got ${requests}`);
  }
  if (!Number.isInteger(windowMs) || windowMs < 1 || windowMs > MAX_WINDOW_MS) {
    throw new RangeError(`${name}.windowMs must be an integer from 1 to ${MAX_WINDOW_MS}, got ${windowMs}`);
  }
  return { requests, windowMs };
}

export class RateLimiter {
  #limit: RateLimit | undefined;
  /** Monotonic start of the open window; undefined when none is open. */
  #openedAt: number | undefined;
  #used = 0;

  constructor(limit: RateLimit | undefined) {
    this.#limit = limit;
  }

  /** Replaces the limit (undefined: off) and closes the open window, so counting starts afresh. */
  set(limit: RateLimit | undefined): void {
    this.#limit = limit;
    this.#openedAt = undefined;
    this.#used = 0;
  }

  view(now = performance.now()): RateLimitView | null {
    const limit = this.#limit;
    if (limit === undefined) return null;
    const leftMs = this.#leftMs(limit, now);
    return {
      requests: limit.requests,
      window_ms: limit.windowMs,
      remaining: leftMs > 0 ? limit.requests - this.#used : limit.requests,
      reset_ms: leftMs > 0 ? Math.ceil(leftMs) : null,
    };
  }

  /**
   * Counts one request against the limit and labels the response with the headers; answers 429
   * (without counting) when the window is used up. Returns true when the request may go on.
   */
  admit(exchange: Exchange, model: string | undefined, now = performance.now()): boolean {
    const limit = this.#limit;
    if (limit === undefined) return true;
    if (this.#leftMs(limit, now) <= 0) {
      this.#openedAt = now;
      this.#used = 0;
    }
    const allowed = this.#used < limit.requests;
    if (allowed) this.#used += 1;
    const resetMs = Math.max(1, Math.ceil(this.#leftMs(limit, now)));
    const { response } = exchange;
    response.setHeader('x-ratelimit-limit-requests', String(limit.requests));
    response.setHeader('x-ratelimit-remaining-requests', String(limit.requests - this.#used));
    response.setHeader('x-ratelimit-reset-requests', formatDuration(resetMs));
    if (allowed) return true;
    exchange.sendError(
      429,
      {
        message:
          `Rate limit reached for ${model ?? 'requests'} in organization org-levee-simulator on requests per ` +
          `${formatDuration(limit.windowMs)}: Limit ${limit.requests}, Used ${this.#used}, Requested 1. ` +
          `Please try again in ${formatDuration(resetMs)}.`,
        type: 'requests',
        code: 'rate_limit_exceeded',
      },
      { 'retry-after': String(Math.ceil(resetMs / 1000)), 'retry-after-ms': String(resetMs) },
    );
    return false;
  }

  /** Milliseconds until the open window closes; 0 or less when none is open. */
  #leftMs(limit: RateLimit, now: number): number {
    // Measured from the start (not against a stored end) so a fresh window shows exactly windowMs.
    return this.#openedAt === undefined ? 0 : limit.windowMs - (now - this.#openedAt);
  }
}

/**
 * A duration as OpenAI writes it in x-ratelimit-reset-* (Go's time.Duration format): `250ms`
 * below a second, else `1s`, `1.5s`, `6m0s`, `1h0m0s`.
 */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = `${(whole % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
