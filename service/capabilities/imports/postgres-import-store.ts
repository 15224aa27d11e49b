/**
 * The import store on Postgres: each method one statement or one transaction under the `imports`
 * operation's policies. Chunks are inserted in slices inside the transaction that starts the
 * import, so a crash leaves either no chunk or all of them.
 */
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import { MAX_LISTED_IMPORT_ERRORS, type ChunkResult, type DocumentImport, type ImportChunk, type ImportError, type ImportPage, type ImportPlan, type ImportStore } from './import-store.ts';
import { IMPORT_COLUMNS, toImport, type ImportRow } from './imports-sql.ts';

const INSERT_SLICE = 500;

export class PostgresImportStore implements ImportStore {
  readonly #postgres: PostgresDependency;

  constructor(postgres: PostgresDependency) {
    this.#postgres = postgres;
  }

  create(entry: { id: string; owner: string; collection: string; fileId: string }, signal: AbortSignal): Promise<DocumentImport> {
    return this.#postgres.query(
      'imports',
      async (client) => {
        const { rows } = await client.query<ImportRow>(
          `INSERT INTO levee_imports (id, owner, collection, file_id, status) VALUES ($1, $2, $3, $4, 'validating') RETURNING ${IMPORT_COLUMNS}`,
          [entry.id, entry.owner, entry.collection, entry.fileId],
        );
        return toImport(rows[0]!);
      },
      signal,
    );
  }

  get(owner: string, id: string, signal: AbortSignal): Promise<DocumentImport | undefined> {
    return this.#one(`SELECT ${IMPORT_COLUMNS} FROM levee_imports WHERE id = $1 AND owner = $2`, [id, owner], signal);
  }

  list(owner: string, collection: string, query: { limit: number; after: string | undefined }, signal: AbortSignal): Promise<ImportPage | undefined> {
    return this.#postgres.query(
      'imports',
      async (client) => {
        let cursor: { created_at: Date; id: string } | undefined;
        if (query.after !== undefined) {
          cursor = (await client.query<{ created_at: Date; id: string }>('SELECT created_at, id FROM levee_imports WHERE id = $1 AND owner = $2 AND collection = $3', [query.after, owner, collection])).rows[0];
          if (!cursor) return undefined;
        }
        const { rows } = await client.query<ImportRow>(
          `SELECT ${IMPORT_COLUMNS} FROM levee_imports
            WHERE owner = $1 AND collection = $2 AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
            ORDER BY created_at DESC, id DESC LIMIT $5`,
          [owner, collection, cursor?.created_at ?? null, cursor?.id ?? null, query.limit + 1],
        );
        return { imports: rows.slice(0, query.limit).map(toImport), hasMore: rows.length > query.limit };
      },
      signal,
    );
  }

  active(owner: string, limit: number, signal: AbortSignal): Promise<DocumentImport[]> {
    return this.#postgres.query(
      'imports',
      async (client) =>
        (
          await client.query<ImportRow>(
            `SELECT ${IMPORT_COLUMNS} FROM levee_imports WHERE owner = $1 AND status IN ('validating', 'in_progress') ORDER BY created_at DESC, id DESC LIMIT $2`,
            [owner, limit],
          )
        ).rows.map(toImport),
      signal,
    );
  }

  async recent(limit: number, signal: AbortSignal): Promise<DocumentImport[]> {
    if (this.#postgres.dormant) return [];
    return this.#postgres.query(
      'imports',
      async (client) => (await client.query<ImportRow>(`SELECT ${IMPORT_COLUMNS} FROM levee_imports ORDER BY created_at DESC, id DESC LIMIT $1`, [limit])).rows.map(toImport),
      signal,
    );
  }

  load(id: string, signal: AbortSignal): Promise<DocumentImport | undefined> {
    return this.#one(`SELECT ${IMPORT_COLUMNS} FROM levee_imports WHERE id = $1`, [id], signal);
  }

  start(id: string, plan: ImportPlan, signal: AbortSignal): Promise<void> {
    return this.#postgres.transaction(
      'imports',
      async (client) => {
        // A worker that crashed after this committed finds the import in_progress and moves on.
        const { rowCount } = await client.query(
          `UPDATE levee_imports SET status = 'in_progress', in_progress_at = now(), total = $2, failed = $3, errors = $4
            WHERE id = $1 AND status = 'validating'`,
          [id, plan.total, plan.failed, plan.errors.length === 0 ? null : JSON.stringify(plan.errors.slice(0, MAX_LISTED_IMPORT_ERRORS))],
        );
        if (rowCount === 0) return;
        for (let start = 0; start < plan.chunks.length; start += INSERT_SLICE) {
          const slice = plan.chunks.slice(start, start + INSERT_SLICE);
          await client.query(
            `INSERT INTO levee_import_chunks (import_id, chunk, lines, byte_start, byte_end)
             SELECT $1, chunk, lines, byte_start, byte_end FROM unnest($2::int[], $3::jsonb[], $4::bigint[], $5::bigint[]) AS input(chunk, lines, byte_start, byte_end)`,
            [id, slice.map((chunk) => chunk.chunk), slice.map((chunk) => JSON.stringify(chunk.lines)), slice.map((chunk) => chunk.byteStart), slice.map((chunk) => chunk.byteEnd)],
          );
        }
      },
      signal,
    );
  }

  async fail(id: string, error: ImportError, signal: AbortSignal): Promise<void> {
    await this.#postgres.query(
      'imports',
      (client) =>
        client.query(
          `UPDATE levee_imports SET status = 'failed', failed_at = now(), errors = jsonb_build_array($2::jsonb) || COALESCE(errors, '[]'::jsonb)
            WHERE id = $1 AND status IN ('validating', 'in_progress')`,
          [id, JSON.stringify(error)],
        ),
      signal,
    );
  }

  pending(id: string, signal: AbortSignal): Promise<ImportChunk[]> {
    return this.#postgres.query(
      'imports',
      async (client) => {
        const { rows } = await client.query<{ chunk: number; lines: number[]; byte_start: string; byte_end: string }>(
          'SELECT chunk, lines, byte_start, byte_end FROM levee_import_chunks WHERE import_id = $1 AND NOT done ORDER BY chunk',
          [id],
        );
        return rows.map((row) => ({ chunk: row.chunk, lines: row.lines, byteStart: Number(row.byte_start), byteEnd: Number(row.byte_end) }));
      },
      signal,
    );
  }

  async finishChunk(id: string, chunk: number, result: ChunkResult, signal: AbortSignal): Promise<void> {
    await this.#postgres.transaction(
      'imports',
      async (client) => {
        // Only a chunk not yet done counts: one ended twice (two workers after a crash) counts once.
        const { rowCount } = await client.query('UPDATE levee_import_chunks SET done = true WHERE import_id = $1 AND chunk = $2 AND NOT done', [id, chunk]);
        if (rowCount === 0) return;
        await client.query(
          `UPDATE levee_imports
              SET completed = completed + $2, failed = failed + $3, prompt_tokens = prompt_tokens + $4, total_tokens = total_tokens + $5,
                  errors = CASE WHEN $6::jsonb IS NULL OR jsonb_array_length(COALESCE(errors, '[]'::jsonb)) >= $7 THEN errors
                                ELSE COALESCE(errors, '[]'::jsonb) || jsonb_build_array($6::jsonb) END
            WHERE id = $1`,
          [id, result.completed, result.failed, result.usage.promptTokens, result.usage.totalTokens, result.error === null ? null : JSON.stringify(result.error), MAX_LISTED_IMPORT_ERRORS],
        );
      },
      signal,
    );
  }

  complete(id: string, signal: AbortSignal): Promise<boolean> {
    return this.#postgres.query(
      'imports',
      async (client) => {
        const { rowCount } = await client.query(`UPDATE levee_imports SET status = 'completed', completed_at = now() WHERE id = $1 AND status = 'in_progress'`, [id]);
        return (rowCount ?? 0) > 0;
      },
      signal,
    );
  }

  cancel(id: string, signal: AbortSignal): Promise<boolean> {
    return this.#postgres.query(
      'imports',
      async (client) => {
        const { rowCount } = await client.query(`UPDATE levee_imports SET status = 'cancelled', cancelled_at = now() WHERE id = $1 AND status IN ('validating', 'in_progress')`, [id]);
        return (rowCount ?? 0) > 0;
      },
      signal,
    );
  }

  #one(sql: string, values: unknown[], signal: AbortSignal): Promise<DocumentImport | undefined> {
    return this.#postgres.query(
      'imports',
      async (client) => {
        const row = (await client.query<ImportRow>(sql, values)).rows[0];
        return row && toImport(row);
      },
      signal,
    );
  }
}
