/**
 * Sliding-window counts in this replica's memory: alone without Redis, and while Redis is away.
 * Bounded: past `maxIdentities` the least recently seen identity is forgotten (a flood of distinct
 * IPs cannot grow memory), which at worst gives that identity a fresh window.
 */
import { LRUCache } from 'lru-cache';
import { admits, windowAt, type SlidingWindow, type WindowCounts } from './sliding-window.ts';

/** One policy's counter for one identity. */
export interface CounterCheck {
  /** Unique per policy and identity. */
  key: string;
  window: SlidingWindow;
}

/** Per check, in order: whether its policy admits the request, and its counts (after counting, if counted). */
export interface CountOutcome {
  admitted: boolean;
  checks: Array<{ admits: boolean; counts: WindowCounts }>;
}

interface Entry {
  index: number;
  previous: number;
  current: number;
}

/** About 300 bytes an entry (measured with IPv6 identities): some 30 MB at most. */
const DEFAULT_MAX_LOCAL_IDENTITIES = 100_000;

export class MemoryWindowCounter {
  readonly #entries: LRUCache<string, Entry>;

  constructor(maxIdentities = DEFAULT_MAX_LOCAL_IDENTITIES) {
    this.#entries = new LRUCache({ max: maxIdentities });
  }

  /** Identities held now (at most `maxIdentities`). */
  get size(): number {
    return this.#entries.size;
  }

  /** Counts one request against every check if all admit it, none otherwise (a refusal is not counted). */
  take(checks: readonly CounterCheck[], nowMs = Date.now()): CountOutcome {
    const seen = checks.map(({ key, window }) => {
      const { index, elapsedMs } = windowAt(nowMs, window.windowMs);
      const entry = this.#entries.get(key);
      const counts = { ...countsOf(entry, index), elapsedMs };
      return { key, index, counts, admits: admits(window, counts) };
    });
    const admitted = seen.every((check) => check.admits);
    if (admitted) {
      for (const check of seen) {
        check.counts.current += 1;
        this.#entries.set(check.key, { index: check.index, previous: check.counts.previous, current: check.counts.current });
      }
    }
    return { admitted, checks: seen.map(({ admits: fits, counts }) => ({ admits: fits, counts })) };
  }
}

/** An entry's counts as seen from window `index`: shifted by one window, or forgotten after two. */
function countsOf(entry: Entry | undefined, index: number): { previous: number; current: number } {
  if (entry?.index === index) return { previous: entry.previous, current: entry.current };
  if (entry?.index === index - 1) return { previous: entry.current, current: 0 };
  return { previous: 0, current: 0 };
}
