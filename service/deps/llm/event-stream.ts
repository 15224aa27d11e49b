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
    while (this.#pending.length === 0) {
      const chunk = await this.#read(timeoutMs);
      if (chunk.done) throw new UpstreamProtocolError('The provider closed the event stream before [DONE]');
      this.#parser.feed(this.#decoder.decode(chunk.value, { stream: true }));
    }
    const data = this.#pending.shift()!.data;
    if (data === DONE) {
      this.#done = true;
      this.close();
      return undefined;
    }
    return data;
  }

  close(): void {
    this.#body.destroy();
  }

  #read(timeoutMs: number): Promise<IteratorResult<Buffer>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new AttemptTimeoutError(timeoutMs);
        this.#body.destroy(error);
        reject(error);
      }, timeoutMs);
    });
    return Promise.race([this.#chunks.next(), timeout]).finally(() => clearTimeout(timer));
  }
}
