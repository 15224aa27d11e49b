/**
 * A cap on one kind of log line, so an outage cannot flood the log: at most `limit` lines in any
 * rolling window of `windowMs`, however fast they come. What is held back is counted and reported
 * once, a window after the first line held back (from a timer, outside any request), so the log
 * still says how much happened.
 *
 * Rolling rather than fixed: with fixed minutes, a burst straddling a boundary would write twice
 * the limit within one minute.
 */
import { ROOT_CONTEXT, context } from '@opentelemetry/api';

export interface LogCapOptions {
  /** Lines allowed in any window. Default 60. */
  limit?: number;
  /** The window, in ms. Default 60,000. */
  windowMs?: number;
  /** Writes the summary line: `suppressed` lines were held back over the last `windowMs`. */
  onSuppressed: (suppressed: number, windowMs: number) => void;
}

export class LogCap {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #onSuppressed: LogCapOptions['onSuppressed'];
  /** When the last `limit` lines were written (Date.now, so fake timers drive it), a ring. */
  readonly #writtenAt: number[] = [];
  #oldest = 0;
  #suppressed = 0;
  #summary: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LogCapOptions) {
    this.#limit = options.limit ?? 60;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#onSuppressed = options.onSuppressed;
  }

  /** True when a line may be written now (and counts it); false when it must be held back. */
  tryTake(): boolean {
    const now = Date.now();
    if (this.#writtenAt.length < this.#limit) {
      this.#writtenAt.push(now);
      return true;
    }
    // The ring is full: the oldest of the last `limit` lines decides whether one more fits.
    if (this.#writtenAt[this.#oldest]! <= now - this.#windowMs) {
      this.#writtenAt[this.#oldest] = now;
      this.#oldest = (this.#oldest + 1) % this.#limit;
      return true;
    }
    this.#suppressed += 1;
    if (!this.#summary) {
      // Armed in the root context: the summary belongs to no request, so it carries no trace id.
      this.#summary = context.with(ROOT_CONTEXT, () => setTimeout(() => this.#report(), this.#windowMs));
      // A pending summary never keeps the process alive.
      this.#summary.unref?.();
    }
    return false;
  }

  #report(): void {
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#summary = undefined;
    this.#onSuppressed(suppressed, this.#windowMs);
  }
}
