/**
 * The headers on every /console response, errors and 404s included: a Content-Security-Policy
 * that admits scripts, styles and connections from Levee alone (no third-party origin, no inline
 * code but the import map, by its SHA-256), no framing, no referrer, no MIME sniffing.
 */
import { createHash } from 'node:crypto';
import type { LeveeMiddleware } from '../state.ts';
import { IMPORT_MAP } from './pages.ts';

const importMapHash = createHash('sha256').update(IMPORT_MAP).digest('base64');

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'self' 'sha256-${importMapHash}'`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** In front of the router, so the headers are set before any route (or 404) answers. */
export const consoleHeaders: LeveeMiddleware = async (ctx, next) => {
  if (ctx.path === '/console' || ctx.path.startsWith('/console/')) ctx.set(HEADERS);
  await next();
};
