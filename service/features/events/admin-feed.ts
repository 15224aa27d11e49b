/**
 * What operators watching `/admin/events` hear: a snapshot of every breaker (`postgres`, `redis`,
 * `llm/<provider>`: the providers' state) when they connect, then each transition as it happens.
 * The registry is live (a models reload adds providers), so it is re-scanned for new breakers.
 */
import { describeBreakers, type BreakerRegistry } from '../circuit-breakers/circuit-breakers.ts';
import type { ServerMessage } from './event-session.ts';

/** New breakers (a models reload) are picked up this often. */
const RESCAN_MS = 5_000;

export interface AdminFeed {
  snapshot(): ServerMessage;
  close(): void;
}

export function startAdminFeed(breakers: BreakerRegistry, broadcast: (message: ServerMessage) => void): AdminFeed {
  const watched = new WeakSet<object>();
  const scan = () => {
    for (const [name, breaker] of breakers) {
      if (watched.has(breaker)) continue;
      watched.add(breaker);
      breaker.onStateChange(({ from, to, reason }) => broadcast({ type: 'breaker.transition', breaker: name, from, to, reason, at: new Date().toISOString() }));
    }
  };
  scan();
  const timer = setInterval(scan, RESCAN_MS);
  timer.unref();
  return {
    snapshot: () => ({ type: 'breakers', ...describeBreakers(breakers) }),
    close: () => clearInterval(timer),
  };
}
