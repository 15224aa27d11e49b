/**
 * Which calls are background work (batch lines, imports): marked once where the work starts and
 * carried through every await to the policies (AsyncLocalStorage, as OpenTelemetry carries its
 * context), so the bulkhead can put interactive callers first without every layer passing a flag.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const background = new AsyncLocalStorage<true>();

/** Runs `work` as background work: every dependency call it makes yields to interactive ones. */
export function asBackground<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

export function isBackground(): boolean {
  return background.getStore() === true;
}
