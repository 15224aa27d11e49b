/**
 * The bounded vocabulary of call and attempt outcomes: metric label values and span `error.type`.
 * Dependency classifiers must answer with one of these, so label cardinality stays fixed.
 */
export const OUTCOMES = [
  'success',
  'timeout',
  'connection_error',
  'http_4xx',
  'http_429',
  'http_5xx',
  'auth_failed',
  'circuit_open',
  'bulkhead_rejected',
  'rate_limited',
  'quota_exhausted',
  /** Redis answered LOADING, BUSY, READONLY and the like. */
  'server_unavailable',
  /** Redis refused the command itself (wrong type, bad script). */
  'reply_error',
  /** Postgres refused the statement itself (constraint, syntax, missing table). */
  'query_error',
  'cancelled',
  'error',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

const KNOWN = new Set<string>(OUTCOMES);

/** Any error type as a label value from the fixed set. */
export function boundedOutcome(errorType: string): Outcome {
  return KNOWN.has(errorType) ? (errorType as Outcome) : 'error';
}
