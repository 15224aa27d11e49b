/**
 * The console's static files, read once at start-up: the browser app's own files (every file under
 * assets/, by its path there) and the five vendor files it imports, from Levee's own dependencies
 * (no CDN, no build step). A name not read here is not served: the allowlist is the map itself,
 * so no request path ever reaches the file system.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** A strong ETag of the content, for revalidation. */
  etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The URL names of the vendor files, and the installed files they are. */
const VENDOR_FILES: Readonly<Record<string, string>> = {
  'preact.mjs': 'preact',
  'hooks.mjs': 'preact/hooks',
  'htm.mjs': 'htm',
  'uplot.mjs': 'uplot/dist/uPlot.esm.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
};

const ASSETS_DIR = fileURLToPath(new URL('assets/', import.meta.url));

/** Every file under assets/ whose type is known, by its path there (`views/jobs.mjs`); none when the folder is missing. */
export function loadAssets(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let entries: string[];
  try {
    entries = readdirSync(ASSETS_DIR, { recursive: true, encoding: 'utf8' });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const contentType = CONTENT_TYPES[extname(entry)];
    if (!contentType) continue;
    files.set(entry.split(sep).join('/'), staticFile(readFileSync(join(ASSETS_DIR, entry)), contentType));
  }
  return files;
}

/** The vendor files, resolved as Node resolves the packages (their `exports`); a missing one stops the start. */
export function loadVendorFiles(): Map<string, StaticFile> {
  return new Map(
    Object.entries(VENDOR_FILES).map(([name, specifier]) => [name, staticFile(readFileSync(fileURLToPath(import.meta.resolve(specifier))), CONTENT_TYPES[extname(name)]!)]),
  );
}

function staticFile(body: Buffer, contentType: string): StaticFile {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
