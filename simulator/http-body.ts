/**
 * Reads a request body into a string with a size cap. Hand-rolled rather than a body parser
 * because the simulator sits under benchmarks: one Buffer.concat, one decode, nothing else.
 */
import type { IncomingMessage } from 'node:http';

/** The body was longer than the cap; answer 413. */
export class BodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The whole body as UTF-8 (decoded once, so multi-byte characters split across chunks survive). */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        request.off('data', onData);
        // Keep draining so the client can still read the 413 instead of hitting a reset.
        request.resume();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      if (size > limitBytes) return;
      const [only] = chunks;
      resolve(chunks.length === 1 && only !== undefined ? only.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    request.once('error', reject);
  });
}
