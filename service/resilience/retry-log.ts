/**
 * The log lines of one dependency's retry decisions: a warn line per retried attempt and an info
 * line when a call succeeds after retries, both capped together (LogCap: 60 a minute, then one
 * summary line a minute saying how many were held back). One per dependency name, shared by all
 * its instances (the LLM's providers), so the cap holds for the dependency as a whole.
 *
 * The lines carry the active span's trace_id and span_id (the logger's mixin), so a retry is found
 * from the request's access line. Never a prompt, a body or a key: only the fields below.
 */
import { LogCap } from '../telemetry/log-cap.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface RetriedAttempt {
  /** The instance that failed (an LLM provider), when the dependency has several. */
  provider?: string;
  operation: string;
  /** The attempt that failed: 1 for the first. */
  attempt: number;
  /** Attempts the call may make in all, the first included. */
  maxAttempts: number;
  /** The failure's class (`error.type`: http_5xx, timeout, …). */
  errorType: string;
  /** The wait before the next attempt (ms). */
  waitMs: number;
}

export interface RecoveredCall {
  /** The instance that answered. */
  provider?: string;
  operation: string;
  /** Attempts made in all, the successful one included. */
  attempts: number;
}

const MESSAGES = {
  retrying: 'dependency call failed; retrying',
  recovered: 'dependency call succeeded after retries',
  suppressed: 'retry log lines suppressed',
} as const;

export interface RetryLogOptions {
  /** Lines a window (default 60). */
  limit?: number;
  /** The window in ms (default 60,000). */
  windowMs?: number;
}

export class RetryLog {
  readonly #logger: Logger;
  readonly #dependency: string;
  readonly #cap: LogCap;

  constructor(logger: Logger, dependency: string, options: RetryLogOptions = {}) {
    this.#logger = logger;
    this.#dependency = dependency;
    this.#cap = new LogCap({
      ...options,
      onSuppressed: (suppressed, windowMs) => logger.warn({ dependency, suppressed, window_ms: windowMs }, MESSAGES.suppressed),
    });
  }

  retrying({ provider, operation, attempt, maxAttempts, errorType, waitMs }: RetriedAttempt): void {
    if (!this.#cap.tryTake()) return;
    const line = { dependency: this.#dependency, ...(provider === undefined ? {} : { provider }), operation, attempt, max_attempts: maxAttempts, error_type: errorType, wait_ms: Math.round(waitMs) };
    this.#logger.warn(line, MESSAGES.retrying);
  }

  recovered({ provider, operation, attempts }: RecoveredCall): void {
    if (!this.#cap.tryTake()) return;
    this.#logger.info({ dependency: this.#dependency, ...(provider === undefined ? {} : { provider }), operation, attempts }, MESSAGES.recovered);
  }
}
