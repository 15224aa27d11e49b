/**
 * Cache keys: the sha256 (hex) of the canonical JSON of what identifies an answer, object keys
 * sorted at every depth, so equal requests share a key whatever their field order, and no prompt
 * or other user text ever appears in a key (Redis, logs, metrics).
 */
import { createHash } from 'node:crypto';

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(source).sort().map((key) => [key, source[key]]));
}

/** Canonical JSON: like JSON.stringify (undefined fields dropped, toJSON honoured) with sorted keys. */
export function canonicalJson(parts: unknown): string {
  return JSON.stringify(parts, sortedKeys) ?? 'undefined';
}

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}
