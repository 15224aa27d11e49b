/** Path segments and query strings: a valid one most of the time, else hostile (encoded or raw). */
import fc from 'fast-check';
import { hostileString } from './hostile-values.ts';

/** Raw (unencoded) segments a router may trip on: traversal, broken escapes, separators, a NUL, a lone surrogate. */
const RAW_SEGMENTS = ['..', '.', '%2e%2e', '%2F', '%00', 'a%00b', '%zz', '%', '%c3', '%ed%a0%80', '%C0%80', ';x=1', '~', '\\', 'é', '🙂', '%20', '+', '@', '!$&\'()*+,;=', 'a'.repeat(5_000)];

/** One path segment: one of `valid` (most often), an encoded hostile string, or a raw oddity. */
export function segment(...valid: string[]): fc.Arbitrary<string> {
  const hostile = fc.oneof(
    { weight: 3, arbitrary: hostileString.map((value) => encodeURIComponent(value.toWellFormed()).slice(0, 6_000)) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,70}$/) },
  );
  if (valid.length === 0) return hostile;
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 2, arbitrary: hostile });
}

/** A query string from these parameters (each sometimes), sometimes with a repeated or unknown one. */
export function query(parameters: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const names = Object.keys(parameters);
  const hostileValue = fc.oneof(
    { weight: 4, arbitrary: hostileString.map((value) => encodeURIComponent(value.toWellFormed()).slice(0, 3_000)) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
  const pair = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names).chain((name) => fc.oneof(parameters[name]!, hostileValue).map((value) => `${name}=${value}`)) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('order', 'x', '__proto__', 'constructor', 'limit[]'), hostileValue), hostileValue).map(([name, value]) => `${name}=${value}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '&', '=', 'limit', 'limit=', '&&&', '%', 'a=%zz') },
  );
  return fc.array(pair, { maxLength: 3 }).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
}

/** Integers as a list endpoint's `limit` may see them. */
export const limitValue = fc.oneof(fc.integer({ min: 0, max: 120 }).map(String), fc.constantFrom('-1', '1.5', '1e2', '10000', '10001', '99999999999999', 'abc', ''));
