/**
 * The request and token headroom a provider announces with every answer (OpenAI's
 * `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`, and the same for tokens), so
 * routing moves traffic away before the provider answers 429: a deployment at 0 remaining gets no
 * call until its reset time, and one running low gets a smaller share.
 */

type Headers = Record<string, string | string[] | undefined>;

/** Below this share of its limit left, a deployment's weight shrinks in proportion. */
const LOW_SHARE = 0.1;
/** A reset time further off than this is not believed (one odd header must not park a deployment for hours). */
const MAX_RESET_MS = 120_000;

export class RateLimitHeadroom {
  /** Epoch ms before which the deployment has nothing left (0: not exhausted). */
  exhaustedUntil = 0;
  #share = 1;

  /** Reads the headers of one answer (any status). */
  observe(headers: Headers, now = Date.now()): void {
    let share = 1;
    let until = 0;
    for (const kind of ['requests', 'tokens'] as const) {
      const remaining = numberOf(headers[`x-ratelimit-remaining-${kind}`]);
      if (remaining === undefined) continue;
      const limit = numberOf(headers[`x-ratelimit-limit-${kind}`]);
      if (limit !== undefined && limit > 0) share = Math.min(share, remaining / limit);
      if (remaining <= 0) {
        const resetMs = parseResetDuration(first(headers[`x-ratelimit-reset-${kind}`])) ?? 1_000;
        until = Math.max(until, now + Math.min(resetMs, MAX_RESET_MS));
      }
    }
    this.#share = share;
    this.exhaustedUntil = until;
  }

  /** 0..1: the share of its weight the headroom leaves this deployment. */
  share(now = Date.now()): number {
    if (this.exhaustedUntil > now) return 0;
    if (this.exhaustedUntil !== 0) {
      // The window reset: the next answer tells the new headroom.
      this.exhaustedUntil = 0;
      this.#share = 1;
    }
    return this.#share >= LOW_SHARE ? 1 : Math.max(0.05, this.#share / LOW_SHARE);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function numberOf(value: string | string[] | undefined): number | undefined {
  const text = first(value);
  if (text === undefined || text.trim() === '') return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** OpenAI's reset durations: `1s`, `250ms`, `6m0s`, `1h2m3.5s`; a bare number is seconds. */
export function parseResetDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const pattern = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const match of trimmed.matchAll(pattern)) {
    const value = Number(match[1]);
    total += match[2] === 'h' ? value * 3_600_000 : match[2] === 'm' ? value * 60_000 : match[2] === 's' ? value * 1000 : value;
    matched += match[0];
  }
  return matched.length > 0 && matched === trimmed ? total : undefined;
}
