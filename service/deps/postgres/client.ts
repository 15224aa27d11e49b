/**
 * The pool to Postgres (`pg`), one code path for the embedded server and a real one. A call gets a
 * connection for its attempt; if the attempt is abandoned (its timeout, or the caller leaving)
 * the connection is destroyed rather than returned, since a query cannot be taken back from it.
 */
import pg from 'pg';

export type PostgresClient = pg.PoolClient;

export interface PostgresPoolOptions {
  url: string;
  max: number;
  /** Also sent as the session's statement_timeout, so the server stops what the client gave up on. */
  statementTimeoutMs: number;
}

export class PostgresPool {
  readonly #pool: pg.Pool;
  readonly max: number;

  constructor(options: PostgresPoolOptions) {
    this.max = options.max;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.max,
      // Waiting for a connection is bounded by the bulkhead (sized to the pool); this is the backstop.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs,
      application_name: 'levee',
    });
    // An idle connection that dies (server restart) must not crash the process; the next checkout reconnects.
    this.#pool.on('error', () => undefined);
  }

  get stats() {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount, max: this.max };
  }

  /** Runs `work` with one connection; an aborted or broken connection is closed, not reused. */
  async withClient<T>(signal: AbortSignal, work: (client: PostgresClient) => Promise<T>): Promise<T> {
    signal.throwIfAborted();
    const client = await this.#connect();
    let released = false;
    const release = (destroy?: Error) => {
      if (released) return;
      released = true;
      client.release(destroy);
    };
    const abandon = () => release(new Error('query abandoned'));
    signal.addEventListener('abort', abandon, { once: true });
    try {
      return await work(client);
    } catch (error) {
      // A statement's own error leaves the connection usable; anything else may not have.
      if (!(error instanceof pg.DatabaseError)) release(error as Error);
      // …but a script with its own BEGIN (pg-boss sends such) that failed midway leaves it in an
      // aborted transaction, where every later statement fails. The client's transaction status
      // is not yet updated when the error arrives, so roll back whatever there is (a no-op otherwise).
      else if (!released) await client.query('ROLLBACK').catch((rollbackError: unknown) => release(rollbackError as Error));
      throw error;
    } finally {
      signal.removeEventListener('abort', abandon);
      release();
    }
  }

  /**
   * A connection, asked for twice if refused once: the embedded server accepts one connection, and
   * right after a connection was dropped (an abandoned query) it can refuse the next for a moment.
   */
  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return this.#pool.connect();
    }
  }

  /** BEGIN … COMMIT around `work`, ROLLBACK on any failure. */
  transaction<T>(signal: AbortSignal, work: (client: PostgresClient) => Promise<T>): Promise<T> {
    return this.withClient(signal, async (client) => {
      await client.query('BEGIN');
      try {
        const value = await work(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}
