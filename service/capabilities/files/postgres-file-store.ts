/**
 * The file store on Postgres (migration 4): a row per file in `levee_files`, its content in
 * `levee_file_chunks` as pieces of PIECE_BYTES, written with the row in one transaction and read
 * back by range (a streaming reader asks for one piece per call), so a large file neither
 * travels as one huge message nor holds the connection while a slow client downloads it. Metadata calls are labelled `files` (adaptive
 * timeout), content calls `file-content` (they grow with the file: only the ceiling bounds them).
 * Times come from the server's clock, so replicas agree on what has expired.
 */
import type { PostgresClient } from '../../deps/postgres/client.ts';
import type { PostgresDependency } from '../../deps/postgres/postgres-dependency.ts';
import type { ByteRange, FileListQuery, FilePage, FileStore, NewFile, StoredFile } from './file-store.ts';

/**
 * Content per stored piece. Measured on the embedded server (pglite-socket): one 4 MB parameter
 * goes in at ~30 ms/MB, while a single 60 MB one took 16–22 s (its receive buffer grows
 * quadratically); a real server does not care.
 */
const PIECE_BYTES = 4 * 1024 * 1024;

interface RawFile {
  id: string;
  owner: string;
  filename: string;
  purpose: string;
  bytes: string;
  created_at: Date;
  expires_at: Date | null;
}

const COLUMNS = 'id, owner, filename, purpose, bytes, created_at, expires_at';
const LIVE = '(expires_at IS NULL OR expires_at > now())';

function toFile(raw: RawFile): StoredFile {
  return { id: raw.id, owner: raw.owner, filename: raw.filename, purpose: raw.purpose, bytes: Number(raw.bytes), createdAt: raw.created_at, expiresAt: raw.expires_at };
}

export class PostgresFileStore implements FileStore {
  readonly #postgres: PostgresDependency;

  constructor(postgres: PostgresDependency) {
    this.#postgres = postgres;
  }

  create(file: NewFile, signal: AbortSignal): Promise<StoredFile> {
    return this.#postgres.transaction(
      'file-content',
      async (client) => {
        const { rows } = await client.query<RawFile>(
          `INSERT INTO levee_files (id, owner, filename, purpose, bytes, expires_at)
           VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::integer IS NULL THEN NULL ELSE now() + $6::integer * interval '1 second' END)
           ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
          [file.id, file.owner, file.filename, file.purpose, file.content.length, file.ttlSeconds ?? null],
        );
        if (!rows[0]) {
          // A retry whose first attempt committed after all (its answer was lost): the same file, whole.
          const stored = await findFile(client, file.owner, file.id, { live: false });
          if (!stored) throw new Error(`file ${file.id} was neither inserted nor found`);
          return toFile(stored);
        }
        for (let seq = 0; seq * PIECE_BYTES < file.content.length; seq += 1) {
          const piece = file.content.subarray(seq * PIECE_BYTES, (seq + 1) * PIECE_BYTES);
          await client.query('INSERT INTO levee_file_chunks (file_id, seq, data) VALUES ($1, $2, $3)', [file.id, seq, piece]);
        }
        return toFile(rows[0]);
      },
      signal,
    );
  }

  get(owner: string, id: string, signal: AbortSignal): Promise<StoredFile | undefined> {
    return this.#postgres.query(
      'files',
      async (client) => {
        const raw = await findFile(client, owner, id, { live: true });
        return raw && toFile(raw);
      },
      signal,
    );
  }

  content(owner: string, id: string, range: ByteRange, signal: AbortSignal): Promise<Buffer | undefined> {
    return this.#postgres.query(
      'file-content',
      async (client) => {
        const file = await findFile(client, owner, id, { live: true });
        if (!file) return undefined;
        const end = Math.min(range.offset + range.length, Number(file.bytes));
        if (end <= range.offset) return Buffer.alloc(0);
        const first = Math.floor(range.offset / PIECE_BYTES);
        const { rows } = await client.query<{ data: Buffer }>('SELECT data FROM levee_file_chunks WHERE file_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq', [
          id,
          first,
          Math.floor((end - 1) / PIECE_BYTES),
        ]);
        const pieces = rows.map((row) => row.data);
        const start = range.offset - first * PIECE_BYTES;
        // One piece asked for whole (how streaming readers ask): no copy.
        return pieces.length === 1 ? pieces[0]!.subarray(start, end - first * PIECE_BYTES) : Buffer.concat(pieces).subarray(start, end - first * PIECE_BYTES);
      },
      signal,
    );
  }

  list(owner: string, query: FileListQuery, signal: AbortSignal): Promise<FilePage | undefined> {
    return this.#postgres.query(
      'files',
      async (client) => {
        // An expired file still marks its place: a page boundary may expire between two calls.
        if (query.after !== undefined && !(await findFile(client, owner, query.after, { live: false }))) return undefined;
        const [comparison, direction] = query.order === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
        // The cursor's position is compared in SQL: a timestamp taken through JavaScript loses its microseconds.
        const { rows } = await client.query<RawFile>(
          `SELECT ${COLUMNS} FROM levee_files
           WHERE owner = $1 AND ${LIVE} AND ($2::text IS NULL OR purpose = $2)
             AND ($3::text IS NULL OR (created_at, id) ${comparison} (SELECT created_at, id FROM levee_files WHERE id = $3 AND owner = $1))
           ORDER BY created_at ${direction}, id ${direction} LIMIT $4`,
          [owner, query.purpose ?? null, query.after ?? null, query.limit + 1],
        );
        return { files: rows.slice(0, query.limit).map(toFile), hasMore: rows.length > query.limit };
      },
      signal,
    );
  }

  delete(owner: string, id: string, signal: AbortSignal): Promise<boolean> {
    // Its pieces go with it (ON DELETE CASCADE).
    return this.#postgres.query(
      'files',
      async (client) => (await client.query(`DELETE FROM levee_files WHERE id = $1 AND owner = $2 AND ${LIVE}`, [id, owner])).rowCount === 1,
      signal,
    );
  }

  purgeExpired(limit: number, signal: AbortSignal): Promise<number> {
    return this.#postgres.query(
      'files',
      async (client) => {
        // SKIP LOCKED: replicas purging at once take different files instead of waiting on each other.
        const { rowCount } = await client.query(
          `DELETE FROM levee_files WHERE id IN (
             SELECT id FROM levee_files WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
          [limit],
        );
        return rowCount ?? 0;
      },
      signal,
    );
  }
}

async function findFile(client: PostgresClient, owner: string, id: string, options: { live: boolean }): Promise<RawFile | undefined> {
  const { rows } = await client.query<RawFile>(`SELECT ${COLUMNS} FROM levee_files WHERE id = $1 AND owner = $2${options.live ? ` AND ${LIVE}` : ''}`, [id, owner]);
  return rows[0];
}
