/**
 * Stateless console sessions: `<expiresAtMs>.<nonce>.<mac>`, where the nonce is 16 random bytes
 * and the mac an HMAC-SHA256 of the first two parts, both base64url. The HMAC key is derived from
 * ADMIN_TOKEN (HKDF), so every replica sharing the token accepts a session without shared state,
 * and rotating the token ends every session at once. Nothing is stored: signing out clears the
 * cookie, but a copied value stays valid until it expires.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** HKDF's `info`: a key for this purpose only, never the token itself. */
const KEY_INFO = 'levee console session';
const SESSION = /^(\d{1,16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface SessionSignerOptions {
  /** What the HMAC key is derived from: ADMIN_TOKEN. */
  secret: string;
  /** How long an issued session lasts (ms). */
  ttlMs: number;
  /** The clock (ms since the epoch); default Date.now, injected by tests. */
  now?: () => number;
}

export class SessionSigner {
  readonly ttlMs: number;
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(options: SessionSignerOptions) {
    this.ttlMs = options.ttlMs;
    this.#key = Buffer.from(hkdfSync('sha256', options.secret, Buffer.alloc(0), KEY_INFO, 32));
    this.#now = options.now ?? Date.now;
  }

  /** A new session value, valid for `ttlMs` from now. */
  issue(): string {
    const payload = `${this.#now() + this.ttlMs}.${randomBytes(16).toString('base64url')}`;
    return `${payload}.${this.#mac(payload)}`;
  }

  /** True for a value this signer's key issued that has not yet expired. */
  verify(value: string | undefined): boolean {
    const parts = value === undefined ? null : SESSION.exec(value);
    if (!parts) return false;
    // Compared as text, not decoded: base64url's last character has spare bits, and a value that
    // differs only there is not the value issued. Both 43 characters (the pattern fixes it).
    const expected = Buffer.from(this.#mac(`${parts[1]}.${parts[2]}`));
    if (!timingSafeEqual(Buffer.from(parts[3]!), expected)) return false;
    return Number(parts[1]) > this.#now();
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}
