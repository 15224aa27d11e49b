/**
 * One request and its response, with the bookkeeping every way of ending it shares: exactly one
 * outcome counted, the status counted once the headers go out, and every timer the request
 * started cancelled when the client goes away. Faults that wait (latency, stalls) wait through
 * {@link Exchange.sleep}, so a hung or stalled request never leaks a timer.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { openAIErrorBody, type OpenAIErrorFields } from './openai-errors.ts';
import type { Outcome, SimulatorStats } from './stats.ts';

export class Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly #stats: SimulatorStats | undefined;
  #closed = false;
  #settled = false;
  #cancels: Set<() => void> | undefined;

  /** @param stats counted into when given (the /v1 routes), ignored for the admin API. */
  constructor(request: IncomingMessage, response: ServerResponse, stats?: SimulatorStats) {
    this.request = request;
    this.response = response;
    this.#stats = stats;
    response.once('close', () => {
      this.#closed = true;
      if (this.#cancels) for (const cancel of this.#cancels) cancel();
      this.#cancels = undefined;
      if (stats) {
        if (!this.#settled) this.settle('aborted');
        stats.finished();
      }
    });
  }

  /** True once the response closed: answered, reset, or the client went away. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Counts how the request ended; only the first call counts. */
  settle(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stats?.outcome(outcome);
  }

  /** Resolves true after `ms`, or false (at once) if the response closes first. */
  sleep(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.#cancels?.delete(cancel);
        resolve(true);
      }, ms);
      (this.#cancels ??= new Set()).add(cancel);
    });
  }

  /** Sends the status line and headers, counting the status. */
  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    this.#stats?.status(status);
    this.response.writeHead(status, headers);
  }

  /** Answers with a complete JSON body and settles as ok or error by status. */
  sendJson(status: number, json: string, headers?: OutgoingHttpHeaders): void {
    if (this.#closed) return;
    this.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    this.response.end(json);
    this.settle(status < 400 ? 'ok' : 'error');
  }

  /** Answers with an OpenAI-shaped error body. */
  sendError(status: number, fields: OpenAIErrorFields, headers?: OutgoingHttpHeaders): void {
    this.sendJson(status, openAIErrorBody(status, fields), headers);
  }

  /** Never answers: the socket stays open until the client gives up or the simulator closes. */
  hang(): void {
    this.settle('hang');
  }

  /**
   * Drops the connection. Before any answer: a TCP RST, so the client sees ECONNRESET, as when a
   * load balancer or a crashed upstream drops it. Mid-stream: the chunks already written are
   * flushed and the connection closed mid-body, which clients report as a cut stream (node:http
   * ECONNRESET "aborted", fetch "terminated"). Not an RST there, because an RST makes the
   * client's kernel discard chunks it has received but not yet read, so the client would see
   * fewer chunks than the fault promised, depending on timing.
   */
  reset(): void {
    this.settle('reset');
    const socket = this.request.socket;
    if (this.response.headersSent) socket.end(() => socket.destroy());
    else if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }
}
