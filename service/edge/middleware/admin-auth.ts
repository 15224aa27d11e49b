/**
 * Admin routes take `Authorization: Bearer <ADMIN_TOKEN>`. Missing credentials: 401; wrong ones
 * (a client key included): 403. Compared in constant time over fixed-length digests, so neither
 * the content nor the length of the token leaks through timing.
 */
import { timingSafeEqual } from 'node:crypto';
import { LeveeError } from '../../errors.ts';
import { keyDigest } from '../../features/access/key-digest.ts';
import type { LeveeMiddleware } from '../state.ts';

export function requireAdminToken(token: string): LeveeMiddleware {
  const expected = keyDigest(token);
  return async (ctx, next) => {
    const match = /^Bearer (.+)$/i.exec(ctx.get('Authorization'));
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new LeveeError('unauthorized', 'Admin routes need Authorization: Bearer <ADMIN_TOKEN>.');
    }
    if (!timingSafeEqual(keyDigest(match[1]!), expected)) throw new LeveeError('forbidden', 'This token may not use admin routes.');
    await next();
  };
}
