/**
 * Limits concurrent calls to a dependency, with a bounded queue whose callers wait at most
 * min(remaining deadline, queue timeout). Cockatiel's bulkhead queues without a time limit and
 * notices an abort only when a slot frees; this one gives up on time. A stream holds its slot for
 * its whole life through `acquire()`.
 *
 * Background calls (priority.ts) come second: they never queue, take at most `backgroundShare` of
 * the slots, and are refused at once (`background_yield`, which background work defers on) while
 * any interactive call waits. Interactive calls thus never wait behind background ones, and under
 * saturation background work is put off before any interactive call is refused.
 */
import { EventEmitter, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { remainingMsOf } from './deadline.ts';
import { SaturatedError } from './errors.ts';
import { PolicyBase } from './policy-base.ts';
import { isBackground } from './priority.ts';

export interface BulkheadOptions {
  dependency: string;
  /** Calls (streams included, for their whole life) running at once. */
  maxConcurrent: number;
  /** Calls waiting for a slot; beyond that, rejected at once. */
  maxQueued: number;
  /** The longest a queued call waits, deadline permitting. */
  queueTimeoutMs: number;
  /** Retry-After suggested to rejected callers. */
  retryAfterMs: number;
  /** Share of the slots background calls may hold at once, 0..1 (default 1: no limit). */
  backgroundShare?: number;
}

interface Waiter {
  grant: () => void;
  fail: (error: unknown) => void;
}

/** A held slot; release exactly once. */
export interface BulkheadLease {
  release(): void;
}

export class Bulkhead extends PolicyBase implements IPolicy {
  readonly #options: BulkheadOptions;
  readonly #queue: Waiter[] = [];
  readonly #rejections = new EventEmitter<SaturatedError>();
  readonly #waits = new EventEmitter<{ behindBackground: boolean }>();
  /** Fires for every call refused (queue full or waited too long). */
  readonly onReject = this.#rejections.addListener;
  /** Fires for every interactive call that queues; `behindBackground` when background calls held slots then. */
  readonly onQueue = this.#waits.addListener;
  #active = 0;
  #backgroundActive = 0;

  constructor(options: BulkheadOptions) {
    super();
    this.#options = options;
  }

  get active(): number {
    return this.#active;
  }
  get queued(): number {
    return this.#queue.length;
  }
  get capacity(): number {
    return this.#options.maxConcurrent;
  }

  /** Background calls holding a slot. */
  get backgroundActive(): number {
    return this.#backgroundActive;
  }

  async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = new AbortController().signal): Promise<T> {
    // A free slot is taken without a round through the microtask queue (the common case).
    const lease = !signal.aborted && this.#active < this.#options.maxConcurrent && !isBackground() ? this.#take() : await this.acquire(signal);
    try {
      return await this.observe(() => fn({ signal }));
    } finally {
      lease.release();
    }
  }

  /** Waits for a slot (bounded) and returns it; the caller releases it when its work truly ends. */
  acquire(signal: AbortSignal): Promise<BulkheadLease> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (isBackground()) return this.#acquireBackground();
    if (this.#active < this.#options.maxConcurrent) return Promise.resolve(this.#take());
    if (this.#queue.length >= this.#options.maxQueued) return Promise.reject(this.#reject('queue_full'));
    return new Promise<BulkheadLease>((resolve, reject) => {
      const waitMs = Math.min(this.#options.queueTimeoutMs, remainingMsOf(signal));
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          settle();
          this.#active += 1;
          resolve(this.#lease());
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => waiter.fail(signal.reason);
      const timer = setTimeout(() => waiter.fail(this.#reject('queue_timeout')), waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#waits.emit({ behindBackground: this.#backgroundActive > 0 });
    });
  }

  /** A slot for background work now, or a refusal: it never queues in front of interactive callers. */
  #acquireBackground(): Promise<BulkheadLease> {
    const share = this.#options.backgroundShare ?? 1;
    const cap = Math.max(1, Math.floor(this.#options.maxConcurrent * share));
    if (this.#queue.length > 0 || this.#active >= this.#options.maxConcurrent || this.#backgroundActive >= cap) {
      return Promise.reject(this.#reject('background_yield'));
    }
    this.#backgroundActive += 1;
    return Promise.resolve(this.#take(true));
  }

  #take(background = false): BulkheadLease {
    this.#active += 1;
    return this.#lease(background);
  }

  #lease(background = false): BulkheadLease {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#active -= 1;
        if (background) this.#backgroundActive -= 1;
        this.#queue[0]?.grant();
      },
    };
  }

  #reject(reason: SaturatedError['reason']): SaturatedError {
    const error = new SaturatedError(this.#options.dependency, this.#options.maxConcurrent, this.#options.maxQueued, reason, this.#options.retryAfterMs);
    this.#rejections.emit(error);
    return error;
  }
}
