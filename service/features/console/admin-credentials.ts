/**
 * The operator's credentials: ADMIN_TOKEN itself (what scripts send as a Bearer token) and the
 * console sessions a login exchanges it for (what browsers hold, as an HttpOnly cookie). The token
 * is compared in constant time over fixed-length digests, so neither its content nor its length
 * leaks through timing.
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { LeveeError } from '../../errors.ts';
import { keyDigest } from '../access/key-digest.ts';
import { parseRequest } from '../validate.ts';
import { SessionSigner } from './session-signer.ts';

/** The cookie a console session travels in. */
export const SESSION_COOKIE = 'levee_console';

const loginSchema = z.strictObject({
  // Bounded: the digest is cheap, but nothing legitimate is longer.
  token: z.string().min(1).max(1024),
});

export interface AdminCredentialsOptions {
  token: string;
  /** CONSOLE_SESSION_TTL_MS. */
  sessionTtlMs: number;
  /** The clock sessions are issued and checked by; default Date.now. */
  now?: () => number;
}

export class AdminCredentials {
  readonly #digest: Buffer;
  readonly #sessions: SessionSigner;

  constructor(options: AdminCredentialsOptions) {
    this.#digest = keyDigest(options.token);
    this.#sessions = new SessionSigner({ secret: options.token, ttlMs: options.sessionTtlMs, now: options.now });
  }

  /** How long a session lasts (ms): the cookie's Max-Age. */
  get sessionTtlMs(): number {
    return this.#sessions.ttlMs;
  }

  tokenMatches(presented: string): boolean {
    return timingSafeEqual(keyDigest(presented), this.#digest);
  }

  /** POST /console/login's body `{"token": …}` for a new session: 400 when malformed, 403 for a wrong token. */
  logIn(body: unknown): string {
    const { token } = parseRequest(loginSchema, body);
    if (!this.tokenMatches(token)) throw new LeveeError('forbidden', 'That is not the admin token.');
    return this.#sessions.issue();
  }

  sessionValid(value: string | undefined): boolean {
    return this.#sessions.verify(value);
  }
}
