/**
 * Versioned schema migrations, applied at start-up in order, each once, in one transaction.
 * Replicas starting together take turns on an advisory lock, so each migration runs exactly once
 * however many start. Never edit a released migration: add the next one.
 */
import type { PostgresClient } from './client.ts';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'collections',
    sql: `
      CREATE EXTENSION IF NOT EXISTS vector;
      CREATE TABLE levee_collections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_-]{1,63}$'),
        model text NOT NULL,
        dimension integer NOT NULL CHECK (dimension BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    // Kept by every write in the same transaction, so listing collections never counts rows.
    name: 'collection document counts',
    sql: `ALTER TABLE levee_collections ADD COLUMN document_count bigint NOT NULL DEFAULT 0 CHECK (document_count >= 0);`,
  },
  {
    version: 3,
    // Bumped by every write to a collection's documents: the search cache keys on it.
    name: 'collection versions',
    sql: `ALTER TABLE levee_collections ADD COLUMN version bigint NOT NULL DEFAULT 0;`,
  },
  {
    version: 4,
    // The Files API. A file's content is kept in pieces of a few MiB (levee_file_chunks), written in
    // one transaction with its row and read back one piece per call. Listing walks (owner,
    // created_at, id); purging walks expires_at.
    name: 'files',
    sql: `
      CREATE TABLE levee_files (
        id text PRIMARY KEY,
        owner text NOT NULL,
        filename text NOT NULL,
        purpose text NOT NULL,
        bytes bigint NOT NULL CHECK (bytes >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz
      );
      CREATE INDEX levee_files_owner_created ON levee_files (owner, created_at, id);
      CREATE INDEX levee_files_expiry ON levee_files (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE levee_file_chunks (
        file_id text NOT NULL REFERENCES levee_files (id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        data bytea NOT NULL,
        PRIMARY KEY (file_id, seq)
      );`,
  },
  {
    version: 5,
    // The Batch API: a batch, and its lines once its input file validated. A line is done once its
    // answer is stored (the partial index finds what is left); custom_id is unique per batch.
    name: 'batches',
    sql: `
      CREATE TABLE levee_batches (
        id text PRIMARY KEY,
        owner text NOT NULL,
        endpoint text NOT NULL,
        input_file_id text NOT NULL,
        completion_window text NOT NULL,
        metadata jsonb,
        status text NOT NULL,
        errors jsonb,
        output_file_id text,
        error_file_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        in_progress_at timestamptz,
        expires_at timestamptz NOT NULL,
        finalizing_at timestamptz,
        completed_at timestamptz,
        failed_at timestamptz,
        expired_at timestamptz,
        cancelling_at timestamptz,
        cancelled_at timestamptz,
        total integer NOT NULL DEFAULT 0,
        completed integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0
      );
      CREATE INDEX levee_batches_owner ON levee_batches (owner, created_at DESC, id DESC);
      CREATE TABLE levee_batch_lines (
        batch_id text NOT NULL REFERENCES levee_batches (id) ON DELETE CASCADE,
        line integer NOT NULL,
        custom_id text NOT NULL,
        body jsonb NOT NULL,
        done boolean NOT NULL DEFAULT false,
        status_code integer,
        request_id text,
        response jsonb,
        error jsonb,
        PRIMARY KEY (batch_id, line),
        UNIQUE (batch_id, custom_id)
      );
      CREATE INDEX levee_batch_lines_pending ON levee_batch_lines (batch_id, line) WHERE NOT done;`,
  },
  {
    version: 6,
    // A batch's lines in chunks, each a job of its own, so every worker sharing the Postgres takes
    // part in one batch. A chunk is queued, running (a worker holds it) or done; a batch is
    // finalized once no chunk runs and no line is pending (or it was cancelled or expired).
    name: 'batch chunks',
    sql: `
      CREATE TABLE levee_batch_chunks (
        batch_id text NOT NULL REFERENCES levee_batches (id) ON DELETE CASCADE,
        chunk integer NOT NULL,
        first_line integer NOT NULL,
        last_line integer NOT NULL,
        state text NOT NULL DEFAULT 'queued',
        PRIMARY KEY (batch_id, chunk)
      );
      -- The job that moved the batch to finalizing: only it (or its own retry) writes the output files.
      ALTER TABLE levee_batches ADD COLUMN finalized_by text;`,
  },
  {
    version: 7,
    // Document imports into collections: an import, and its chunks once its file validated. A chunk
    // is a byte range of the file (the documents are read from the file again, not copied here)
    // and the lines in it that hold its documents; it is done once written or given up on.
    name: 'collection imports',
    sql: `
      CREATE TABLE levee_imports (
        id text PRIMARY KEY,
        owner text NOT NULL,
        collection text NOT NULL,
        file_id text NOT NULL,
        status text NOT NULL,
        errors jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        in_progress_at timestamptz,
        completed_at timestamptz,
        failed_at timestamptz,
        total integer NOT NULL DEFAULT 0,
        completed integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        total_tokens bigint NOT NULL DEFAULT 0
      );
      CREATE INDEX levee_imports_owner ON levee_imports (owner, collection, created_at DESC, id DESC);
      CREATE TABLE levee_import_chunks (
        import_id text NOT NULL REFERENCES levee_imports (id) ON DELETE CASCADE,
        chunk integer NOT NULL,
        lines jsonb NOT NULL,
        byte_start bigint NOT NULL,
        byte_end bigint NOT NULL,
        done boolean NOT NULL DEFAULT false,
        PRIMARY KEY (import_id, chunk)
      );
      CREATE INDEX levee_import_chunks_pending ON levee_import_chunks (import_id, chunk) WHERE NOT done;`,
  },
  {
    version: 8,
    // The operators' view (the ops console): the newest jobs whoever owns them, and an import's
    // cancellation time (operators may cancel an import).
    name: 'jobs across owners',
    sql: `
      CREATE INDEX levee_batches_created ON levee_batches (created_at DESC, id DESC);
      CREATE INDEX levee_imports_created ON levee_imports (created_at DESC, id DESC);
      ALTER TABLE levee_imports ADD COLUMN cancelled_at timestamptz;`,
  },
];

/** Any constant: the advisory lock's key for Levee's migrations. */
const MIGRATION_LOCK_KEY = 7_261_001;

/** Applies what is missing, all in one transaction; returns the versions applied now. */
export async function migrate(client: PostgresClient): Promise<number[]> {
  await client.query('BEGIN');
  try {
    // First, before even the bookkeeping table: replicas starting together take turns here.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS levee_schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM levee_schema_migrations')).rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO levee_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
