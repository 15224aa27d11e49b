/**
 * A request body no route read (a GET sent with one, a request refused before its body was
 * parsed) is read and dropped before the answer leaves. Otherwise the socket may close right after
 * the answer while those bytes are still arriving or unread, and the kernel answers them with a
 * reset, which can throw away the tail of the answer the client has not read yet (what nginx's
 * lingering close guards against). Bounded in bytes and time: past either, the answer goes as it is.
 */
import type { IncomingMessage } from 'node:http';
import type { LeveeMiddleware } from '../state.ts';

export interface UnreadBodyOptions {
  /** Read at most this much of a body nobody read. */
  maxBytes: number;
  /** Wait at most this long for it (ms). */
  maxWaitMs: number;
}

export function dropUnreadBody(options: UnreadBodyOptions): LeveeMiddleware {
  return async (ctx, next) => {
    await next();
    // A WebSocket's handshake answered itself: its socket is the connection's now, not ours to read.
    if (ctx.respond === false) return;
    const request = ctx.req;
    if (request.complete || request.readableEnded || request.destroyed) return;
    // Over the body limit: the client was told (413) and reading on would only serve it.
    if (ctx.status === 413) return;
    await drain(request, options);
  };
}

function drain(request: IncomingMessage, { maxBytes, maxWaitMs }: UnreadBodyOptions): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', done);
      request.off('error', done);
      request.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) {
        request.pause();
        done();
      }
    };
    const timer = setTimeout(done, maxWaitMs);
    request.on('data', onData);
    request.once('end', done);
    request.once('error', done);
    request.once('close', done);
    request.resume();
  });
}
