/**
 * Reads a provider's server-sent events one at a time (eventsource-parser does the parsing), with
 * a timeout on each wait: the adaptive idle gap between chunks, never past the stream's maximum
 * duration. A stream that ends without `[DONE]` was cut, which is an upstream failure.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { AttemptTimeoutError } from '../../resilience/errors.ts';
import type { ResponseBody } from './client.ts';
import { UpstreamProtocolError } from './errors.ts';

/** OpenAI ends its streams with this data line. */
const DONE = '[DONE]';

export class EventStreamReader {
  readonly #body: ResponseBody;
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #pending: EventSourceMessage[] = [];
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({ onEvent: (event) => this.#pending.push(event) });
  #done = false;

  constructor(body: ResponseBody) {
    this.#body = body;
    this.#chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next event's data; undefined after `[DONE]`. Rejects after `timeoutMs` without one. */
  async next(timeoutMs: number): Promise<string | undefined> {
    if (this.#done) return undefined;
    while (this.#pending.length === 0) await this.#readInto(timeoutMs);
    const data = this.#pending.shift()!.data;
    if (data === DONE) {
      this.#done = true;
      this.close();
      return undefined;
    }
    return data;
  }

  /**
   * Every event's data that has arrived, at least one (waiting as `next` does); undefined after
   * `[DONE]`. What came in one read goes on as one batch, so it can leave in one write.
   */
  async nextBatch(timeoutMs: number): Promise<string[] | undefined> {
    if (this.#done) return undefined;
    while (this.#pending.length === 0) await this.#readInto(timeoutMs);
    const batch: string[] = [];
    while (this.#pending.length > 0) {
      const data = this.#pending.shift()!.data;
      if (data === DONE) {
        this.#done = true;
        this.close();
        break;
      }
      batch.push(data);
    }
    return batch.length > 0 ? batch : undefined;
  }

  close(): void {
    this.#body.destroy();
  }

  async #readInto(timeoutMs: number): Promise<void> {
    const chunk = await this.#read(timeoutMs);
    if (chunk.done) throw new UpstreamProtocolError('The provider closed the event stream before [DONE]');
    this.#parser.feed(this.#decoder.decode(chunk.value, { stream: true }));
  }

  /** The next chunk, or the timeout's error: one promise and one timer per read (no race of two). */
  #read(timeoutMs: number): Promise<IteratorResult<Buffer>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new AttemptTimeoutError(timeoutMs);
        this.#body.destroy(error);
        reject(error);
      }, timeoutMs);
      this.#chunks.next().then(
        (chunk) => {
          clearTimeout(timer);
          resolve(chunk);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
