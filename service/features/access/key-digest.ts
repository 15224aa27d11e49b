/**
 * The digest a presented secret (a client key, the admin token) is compared by: SHA-256, fixed
 * length, so `timingSafeEqual` on two digests leaks neither content nor length. One-shot
 * `crypto.hash` (on every /v1 request: a third of createHash().update().digest()'s cost).
 */
import { hash } from 'node:crypto';

export const keyDigest = (value: string): Buffer => hash('sha256', value, 'buffer');
