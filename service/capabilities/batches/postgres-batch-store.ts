/**
 * The batch store on Postgres: each method one statement or one transaction under the `batches`
 * operation's policies. Lines are inserted in slices (one statement per 500) inside the
 * transaction that starts the batch, so a crash leaves either no line or all of them.
 */
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import type { Batch, BatchChunk, BatchError, BatchLineInput, BatchLineResult, BatchPage, BatchStatus, BatchStore, FinishedLine } from './batch-store.ts';
import { BATCH_COLUMNS, STATUS_TIMESTAMP, toBatch, type BatchRow } from './batches-sql.ts';

const INSERT_SLICE = 500;

const CHUNK_COLUMNS = 'chunk, first_line, last_line, state';

interface ChunkRow {
  chunk: number;
  first_line: number;
  last_line: number;
  state: BatchChunk['state'];
}

const toChunk = (row: ChunkRow): BatchChunk => ({ chunk: row.chunk, firstLine: row.first_line, lastLine: row.last_line, state: row.state });

export class PostgresBatchStore implements BatchStore {
  readonly #postgres: PostgresDependency;

  constructor(postgres: PostgresDependency) {
    this.#postgres = postgres;
  }

  create(batch: Parameters<BatchStore['create']>[0], signal: AbortSignal): Promise<Batch> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        const { rows } = await client.query<BatchRow>(
          `INSERT INTO levee_batches (id, owner, endpoint, input_file_id, completion_window, metadata, status, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'validating', to_timestamp($7))
           RETURNING ${BATCH_COLUMNS}`,
          [batch.id, batch.owner, batch.endpoint, batch.inputFileId, batch.completionWindow, batch.metadata === null ? null : JSON.stringify(batch.metadata), batch.expiresAt],
        );
        return toBatch(rows[0]!);
      },
      signal,
    );
  }

  get(owner: string, id: string, signal: AbortSignal): Promise<Batch | undefined> {
    return this.#one(`SELECT ${BATCH_COLUMNS} FROM levee_batches WHERE id = $1 AND owner = $2`, [id, owner], signal);
  }

  active(owner: string, limit: number, signal: AbortSignal): Promise<Batch[]> {
    return this.#postgres.query(
      'batches',
      async (client) =>
        (
          await client.query<BatchRow>(
            `SELECT ${BATCH_COLUMNS} FROM levee_batches
              WHERE owner = $1 AND status IN ('validating', 'in_progress', 'finalizing', 'cancelling')
              ORDER BY created_at DESC, id DESC LIMIT $2`,
            [owner, limit],
          )
        ).rows.map(toBatch),
      signal,
    );
  }

  async recent(limit: number, signal: AbortSignal): Promise<Batch[]> {
    if (this.#postgres.dormant) return [];
    return this.#postgres.query(
      'batches',
      async (client) => (await client.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM levee_batches ORDER BY created_at DESC, id DESC LIMIT $1`, [limit])).rows.map(toBatch),
      signal,
    );
  }

  load(id: string, signal: AbortSignal): Promise<Batch | undefined> {
    return this.#one(`SELECT ${BATCH_COLUMNS} FROM levee_batches WHERE id = $1`, [id], signal);
  }

  list(owner: string, query: { limit: number; after: string | undefined }, signal: AbortSignal): Promise<BatchPage | undefined> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        let cursor: { created_at: Date; id: string } | undefined;
        if (query.after !== undefined) {
          cursor = (await client.query<{ created_at: Date; id: string }>('SELECT created_at, id FROM levee_batches WHERE id = $1 AND owner = $2', [query.after, owner])).rows[0];
          if (!cursor) return undefined;
        }
        const { rows } = await client.query<BatchRow>(
          `SELECT ${BATCH_COLUMNS} FROM levee_batches
            WHERE owner = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
            ORDER BY created_at DESC, id DESC LIMIT $4`,
          [owner, cursor?.created_at ?? null, cursor?.id ?? null, query.limit + 1],
        );
        return { batches: rows.slice(0, query.limit).map(toBatch), hasMore: rows.length > query.limit };
      },
      signal,
    );
  }

  start(id: string, lines: readonly BatchLineInput[], signal: AbortSignal): Promise<void> {
    return this.#postgres.transaction(
      'batches',
      async (client) => {
        // A worker that crashed after this committed finds the batch in_progress and moves on.
        const { rowCount } = await client.query(`UPDATE levee_batches SET status = 'in_progress', in_progress_at = now(), total = $2 WHERE id = $1 AND status = 'validating'`, [id, lines.length]);
        if (rowCount === 0) return;
        for (let start = 0; start < lines.length; start += INSERT_SLICE) {
          const slice = lines.slice(start, start + INSERT_SLICE);
          await client.query(
            `INSERT INTO levee_batch_lines (batch_id, line, custom_id, body)
             SELECT $1, line, custom_id, body FROM unnest($2::int[], $3::text[], $4::jsonb[]) AS input(line, custom_id, body)`,
            [id, slice.map((input) => input.line), slice.map((input) => input.customId), slice.map((input) => JSON.stringify(input.body))],
          );
        }
      },
      signal,
    );
  }

  async fail(id: string, errors: readonly BatchError[], signal: AbortSignal): Promise<void> {
    await this.#postgres.query(
      'batches',
      (client) => client.query(`UPDATE levee_batches SET status = 'failed', failed_at = now(), errors = $2 WHERE id = $1 AND status = 'validating'`, [id, JSON.stringify(errors)]),
      signal,
    );
  }

  chunks(id: string, linesPerChunk: number, signal: AbortSignal): Promise<BatchChunk[]> {
    return this.#postgres.transaction(
      'batches',
      async (client) => {
        // Numbered by position, not line number: blank lines of the file leave gaps in the numbers.
        await client.query(
          `INSERT INTO levee_batch_chunks (batch_id, chunk, first_line, last_line)
           SELECT $1, (position - 1) / $2, min(line), max(line)
             FROM (SELECT line, row_number() OVER (ORDER BY line) AS position FROM levee_batch_lines WHERE batch_id = $1) AS numbered
            WHERE NOT EXISTS (SELECT 1 FROM levee_batch_chunks WHERE batch_id = $1)
            GROUP BY (position - 1) / $2`,
          [id, linesPerChunk],
        );
        const { rows } = await client.query<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM levee_batch_chunks WHERE batch_id = $1 ORDER BY chunk`, [id]);
        return rows.map(toChunk);
      },
      signal,
    );
  }

  claimChunk(id: string, chunk: number, signal: AbortSignal): Promise<BatchChunk | undefined> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        const { rows } = await client.query<ChunkRow>(
          `UPDATE levee_batch_chunks AS chunk
              SET state = CASE WHEN batch.status = 'in_progress' AND batch.expires_at > now() THEN 'running' ELSE 'done' END
             FROM levee_batches AS batch
            WHERE batch.id = chunk.batch_id AND chunk.batch_id = $1 AND chunk.chunk = $2 AND chunk.state <> 'done'
           RETURNING ${CHUNK_COLUMNS}`,
          [id, chunk],
        );
        return rows[0] && toChunk(rows[0]);
      },
      signal,
    );
  }

  async endChunk(id: string, chunk: number, state: 'done' | 'queued', signal: AbortSignal): Promise<void> {
    await this.#postgres.query('batches', (client) => client.query('UPDATE levee_batch_chunks SET state = $3 WHERE batch_id = $1 AND chunk = $2', [id, chunk, state]), signal);
  }

  close(id: string, finalizer: string, signal: AbortSignal): Promise<boolean> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        const { rowCount } = await client.query(
          `UPDATE levee_batches AS batch SET status = 'finalizing', finalizing_at = now(), finalized_by = $2
            WHERE batch.id = $1 AND batch.status IN ('in_progress', 'cancelling')
              AND NOT EXISTS (SELECT 1 FROM levee_batch_chunks WHERE batch_id = $1 AND state = 'running')
              AND (batch.status = 'cancelling' OR batch.expires_at <= now()
                   OR NOT EXISTS (SELECT 1 FROM levee_batch_lines WHERE batch_id = $1 AND NOT done))`,
          [id, finalizer],
        );
        return (rowCount ?? 0) > 0;
      },
      signal,
    );
  }

  pending(id: string, limit: number, exclude: readonly number[], lines: { first: number; last: number }, signal: AbortSignal): Promise<BatchLineInput[]> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        const { rows } = await client.query<{ line: number; custom_id: string; body: Record<string, unknown> }>(
          `SELECT line, custom_id, body FROM levee_batch_lines
            WHERE batch_id = $1 AND NOT done AND line BETWEEN $4 AND $5 AND NOT (line = ANY($2::int[]))
            ORDER BY line LIMIT $3`,
          [id, [...exclude], limit, lines.first, lines.last],
        );
        return rows.map((row) => ({ line: row.line, customId: row.custom_id, body: row.body }));
      },
      signal,
    );
  }

  async finish(id: string, results: ReadonlyArray<BatchLineResult & { failed: boolean }>, signal: AbortSignal): Promise<void> {
    if (results.length === 0) return;
    await this.#postgres.transaction(
      'batches',
      async (client) => {
        // Only lines not yet done count: a line finished twice (two workers after a crash) counts once.
        const { rows } = await client.query<{ failed: boolean }>(
          `UPDATE levee_batch_lines AS target
              SET done = true, status_code = input.status_code, request_id = input.request_id, response = input.response, error = input.error
             FROM unnest($2::int[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[], $7::bool[]) AS input(line, status_code, request_id, response, error, failed)
            WHERE target.batch_id = $1 AND target.line = input.line AND NOT target.done
           RETURNING input.failed`,
          [
            id,
            results.map((result) => result.line),
            results.map((result) => result.statusCode),
            results.map((result) => result.requestId),
            results.map((result) => (result.body === undefined ? null : JSON.stringify(result.body))),
            results.map((result) => (result.error === null ? null : JSON.stringify(result.error))),
            results.map((result) => result.failed),
          ],
        );
        const failed = rows.filter((row) => row.failed).length;
        await client.query('UPDATE levee_batches SET completed = completed + $2, failed = failed + $3 WHERE id = $1', [id, rows.length - failed, failed]);
      },
      signal,
    );
  }

  finished(id: string, signal: AbortSignal): Promise<FinishedLine[]> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        const { rows } = await client.query<{ line: number; custom_id: string; status_code: number | null; request_id: string | null; response: unknown; error: FinishedLine['error'] }>(
          'SELECT line, custom_id, status_code, request_id, response, error FROM levee_batch_lines WHERE batch_id = $1 AND done ORDER BY line',
          [id],
        );
        return rows.map((row) => ({ line: row.line, customId: row.custom_id, statusCode: row.status_code, requestId: row.request_id ?? '', body: row.response, error: row.error }));
      },
      signal,
    );
  }

  transition(id: string, from: readonly BatchStatus[], to: BatchStatus, files?: { outputFileId: string | null; errorFileId: string | null }, signal = new AbortController().signal): Promise<boolean> {
    const stamp = STATUS_TIMESTAMP[to];
    return this.#postgres.query(
      'batches',
      async (client) => {
        const { rowCount } = await client.query(
          `UPDATE levee_batches SET status = $3${stamp ? `, ${stamp} = now()` : ''},
                  output_file_id = COALESCE($4, output_file_id), error_file_id = COALESCE($5, error_file_id)
            WHERE id = $1 AND status = ANY($2::text[])`,
          [id, [...from], to, files?.outputFileId ?? null, files?.errorFileId ?? null],
        );
        return (rowCount ?? 0) > 0;
      },
      signal,
    );
  }

  #one(sql: string, values: unknown[], signal: AbortSignal): Promise<Batch | undefined> {
    return this.#postgres.query(
      'batches',
      async (client) => {
        const row = (await client.query<BatchRow>(sql, values)).rows[0];
        return row && toBatch(row);
      },
      signal,
    );
  }
}
