/**
 * The circuit breakers for people: each one's state, and an operator's reset or isolation of one
 * by name (an unknown name is 404, listing the known ones).
 */
import { NotFoundError } from '../../errors.ts';
import type { CircuitBreaker } from '../../resilience/circuit-breaker.ts';

/** Every breaker Levee runs, by name: `postgres`, `redis`, and `llm/<provider id>` for each LLM provider (live: a models reload changes it). */
export type BreakerRegistry = ReadonlyMap<string, CircuitBreaker>;

export function describeBreakers(breakers: BreakerRegistry) {
  return { circuit_breakers: Object.fromEntries([...breakers].map(([name, breaker]) => [name, breaker.snapshot()])) };
}

/** Closes the breaker now (fleet-wide when shared). */
export function resetBreaker(breakers: BreakerRegistry, name: string | undefined) {
  const breaker = breakerNamed(breakers, name);
  breaker.reset();
  return { name, ...breaker.snapshot() };
}

/** Holds the breaker open until reset (fleet-wide when shared). */
export function isolateBreaker(breakers: BreakerRegistry, name: string | undefined) {
  const breaker = breakerNamed(breakers, name);
  breaker.isolate();
  return { name, ...breaker.snapshot() };
}

function breakerNamed(breakers: BreakerRegistry, name: string | undefined): CircuitBreaker {
  const breaker = name === undefined ? undefined : breakers.get(name);
  if (!breaker) throw new NotFoundError(`No circuit breaker named ${JSON.stringify(String(name).slice(0, 64))}; known: ${[...breakers.keys()].join(', ')}.`);
  return breaker;
}
