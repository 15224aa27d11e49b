/**
 * How Redis failures are judged. Connection trouble and a server that is loading, busy or
 * failing over count against Redis's breaker; a reply error from our own command (wrong type,
 * bad script) does not, since Redis answered and retrying would not help.
 */
import { ErrorReply } from 'redis';
import type { FailureClassification } from '../../resilience/classification.ts';

/** Reply prefixes that mean the server cannot serve right now, not that the command was wrong. */
const UNAVAILABLE_REPLIES = ['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'READONLY', 'CLUSTERDOWN', 'OOM'];

export function classifyRedisFailure(error: unknown): FailureClassification {
  if (error instanceof ErrorReply) {
    const prefix = error.message.split(' ', 1)[0] ?? '';
    if (UNAVAILABLE_REPLIES.includes(prefix)) return { retry: 'transient', breaker: 'failure', errorType: 'server_unavailable' };
    return { retry: 'permanent', breaker: 'ignore', errorType: 'reply_error' };
  }
  return { retry: 'transient', breaker: 'failure', errorType: 'connection_error' };
}
