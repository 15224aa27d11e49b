/**
 * The Files API (`/v1/files`): how large an upload may be, and how long a file is kept. Uploads
 * have their own limit, apart from BODY_LIMIT_BYTES (which bounds JSON bodies).
 */
import { integer, type ParsedEnvironment } from './env-parsers.ts';

/** OpenAI's own per-file limit; each upload in flight holds its bytes in memory until stored. */
const LARGEST_FILE_BYTES = 512 * 1024 * 1024;

export const filesEnvironment = {
  /** Largest file content accepted by POST /v1/files; larger gets 413 and nothing is stored. */
  FILE_MAX_BYTES: integer({ min: 1, max: LARGEST_FILE_BYTES }).default(64 * 1024 * 1024),
  /** A file expires (reads answer 404, then it is purged) this long after its upload; 0: never. */
  FILE_TTL_SECONDS: integer({ min: 0 }).default(30 * 24 * 3600),
};

type FilesEnvironment = ParsedEnvironment<typeof filesEnvironment>;

export interface FilesConfig {
  /** Largest file content, in bytes. */
  maxBytes: number;
  /** Seconds from upload to expiry; undefined: files never expire. */
  ttlSeconds: number | undefined;
}

export function filesConfig(env: FilesEnvironment): FilesConfig {
  return { maxBytes: env.FILE_MAX_BYTES, ttlSeconds: env.FILE_TTL_SECONDS === 0 ? undefined : env.FILE_TTL_SECONDS };
}
