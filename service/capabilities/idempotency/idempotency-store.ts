/**
 * The idempotency capability: where `Idempotency-Key` records live. A record is either `running`
 * (a lease that expires, so a request that died does not block its key forever) or `done` with
 * the response to replay. Implementations: memory-idempotency-store.ts (this replica alone, a
 * bounded LRU) and redis-idempotency-store.ts (shared by the fleet, so a retry that lands on
 * another replica is recognised; memory while Redis fails).
 */

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type IdempotencyRecord = { state: 'running'; fingerprint: string } | { state: 'done'; fingerprint: string; response: StoredResponse };

/** `acquired`: this request runs; otherwise the record that is already there. */
export type Begin = { acquired: true } | { acquired: false; record: IdempotencyRecord };

export interface IdempotencyStore {
  /** Takes the key for `leaseMs` unless a record holds it already. */
  begin(key: string, fingerprint: string, leaseMs: number): Promise<Begin>;
  /** Stores the final record for `ttlMs`, replacing the lease. */
  complete(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
  /** Frees the key (the request failed in a way worth retrying). */
  abandon(key: string): Promise<void>;
}
