/**
 * The one way tests wait: poll a probe until it answers, or give up at a deadline. A test waits
 * for the state it needs (a metric, a log line, a health answer, a process gone), never for a
 * fixed time: a fixed sleep is too long on a fast machine and too short on a loaded one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';

/** A probe's answer meaning "not yet": poll again. Any other value ends the wait and is returned. */
export type NotYet = undefined | null | false;

export interface WaitOptions {
  /** Give up after this long (ms, default 10 000). */
  timeoutMs?: number;
  /** Pause between probes (ms, default 25). */
  intervalMs?: number;
  /** What is awaited, for the failure message; a function is called only on failure (to add a child's stderr, say). */
  what?: string | (() => string);
  /** Give up at once when this settles first: a child process's exit, for one. */
  failFast?: Promise<unknown>;
}

/** Why a wait gave up, the last answer or error the probe gave, and what was awaited. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Calls `probe` every `intervalMs` until it returns something other than undefined, null or
 * false, and returns that. A probe that throws is asked again (a process may not listen yet);
 * the failure message names the last value and the last error seen.
 */
export async function waitFor<T>(probe: () => T | NotYet | Promise<T | NotYet>, options: WaitOptions = {}): Promise<Exclude<T, NotYet>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  let lastValue: unknown;
  let lastError: unknown;
  let probes = 0;
  let gaveUp: { value: unknown } | undefined;
  void options.failFast?.then(
    (value) => (gaveUp = { value }),
    (error: unknown) => (gaveUp = { value: error }),
  );
  const failure = (reason: string) => {
    const what = typeof options.what === 'function' ? options.what() : (options.what ?? 'a condition');
    const last = lastError === undefined ? `last value ${show(lastValue)}` : `last error ${show(lastError)}`;
    return new WaitTimeoutError(`gave up (${reason}; ${probes} probes; ${last}) waiting for ${what}`);
  };
  for (;;) {
    probes += 1;
    try {
      const value = await probe();
      lastValue = value;
      lastError = undefined;
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    } catch (error) {
      lastError = error;
    }
    if (gaveUp) throw failure(`the process exited first: ${show(gaveUp.value)}`);
    if (performance.now() >= deadline) throw failure(`not within ${timeoutMs} ms`);
    await delay(Math.min(options.intervalMs ?? 25, Math.max(0, deadline - performance.now())));
  }
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}${value.cause === undefined ? '' : ` (cause: ${show(value.cause)})`}`;
  return inspect(value, { depth: 2, breakLength: Infinity }).slice(0, 500);
}
