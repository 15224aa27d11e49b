/**
 * A Lua script run by its SHA1 (EVALSHA), loaded with EVAL the first time a server does not know
 * it (a fresh or restarted Redis), so the script text crosses the wire once per server.
 */
import { createHash } from 'node:crypto';
import { ErrorReply } from 'redis';
import type { RedisClient } from './client.ts';

export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, signal: AbortSignal, keys: string[], args: Array<string | number>): Promise<unknown> {
    const scoped = client.withAbortSignal(signal);
    const options = { keys, arguments: args.map(String) };
    try {
      return await scoped.evalSha(this.sha, options);
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT')) return scoped.eval(this.source, options);
      throw error;
    }
  }
}
