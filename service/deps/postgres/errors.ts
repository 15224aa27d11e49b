/**
 * How Postgres failures are judged, by SQLSTATE. Lost connections, a server shutting down or out
 * of connections, and statement timeouts count against the breaker and may be retried; a
 * serialization failure or deadlock is retried (the transaction as a whole) but says nothing
 * about the server's health; anything else is the statement's own fault: neither.
 */
import pg from 'pg';
import type { FailureClassification } from '../../resilience/classification.ts';

const RETRY_IGNORE = { retry: 'transient', breaker: 'ignore' } as const;
const RETRY_FAILURE = { retry: 'transient', breaker: 'failure' } as const;

export function classifyPostgresFailure(error: unknown): FailureClassification {
  if (!(error instanceof pg.DatabaseError)) return { ...RETRY_FAILURE, errorType: 'connection_error' };
  const code = error.code ?? '';
  // serialization_failure, deadlock_detected
  if (code === '40001' || code === '40P01') return { ...RETRY_IGNORE, errorType: 'query_error' };
  // query_canceled: our statement_timeout fired on the server
  if (code === '57014') return { ...RETRY_FAILURE, errorType: 'timeout' };
  // connection exceptions, insufficient resources, operator intervention (shutdown, cannot connect now)
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P')) return { ...RETRY_FAILURE, errorType: 'connection_error' };
  return { retry: 'permanent', breaker: 'ignore', errorType: 'query_error' };
}
