/**
 * A minimal Chrome DevTools Protocol client over Levee's `--inspect` port: enough to force a full
 * GC and read the heap after it, and to count the resources keeping its event loop alive. The soak
 * measures Levee from outside this way, with no debug route in the service.
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

/** The V8 heap's spaces (old_space, code_space, …) and the bytes used in each; evaluated inside Levee. */
const HEAP_SPACES = `Object.fromEntries(process.getBuiltinModule('node:v8').getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size]))`;

/** What `process.getActiveResourcesInfo()` lists, counted by type; evaluated inside Levee. */
const COUNT_RESOURCES = `(() => {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
})()`;

export class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const reply = JSON.parse(String(data)) as Reply;
      const waiting = reply.id === undefined ? undefined : this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id!);
      if (reply.error) waiting.reject(new Error(`inspector: ${reply.error.message}`));
      else waiting.resolve(reply.result);
    });
    socket.on('close', () => {
      for (const waiting of this.#pending.values()) waiting.reject(new Error('inspector: the connection closed'));
      this.#pending.clear();
    });
  }

  /** Connects to the first target listed on `127.0.0.1:<port>`. */
  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`inspector: no target on port ${port}`);
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await once(socket, 'open');
    return new Inspector(socket);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Forces a full GC, then reads the V8 heap in use and its spaces, MiB; `gcMs` is how long the GC
   * call took (Levee's loop stood still meanwhile).
   */
  async heapAfterGc(): Promise<{ heapMiB: number; spacesMiB: Record<string, number>; gcMs: number }> {
    const started = performance.now();
    await this.call('HeapProfiler.collectGarbage');
    const gcMs = performance.now() - started;
    const usage = (await this.call('Runtime.getHeapUsage')) as { usedSize: number };
    const spaces = await this.#evaluate(HEAP_SPACES);
    const spacesMiB = Object.fromEntries(Object.entries(spaces).map(([name, bytes]) => [name, bytes / 2 ** 20]));
    return { heapMiB: usage.usedSize / 2 ** 20, spacesMiB, gcMs };
  }

  /** Active handles, requests and timers by type. */
  activeResources(): Promise<Record<string, number>> {
    return this.#evaluate(COUNT_RESOURCES);
  }

  /** Evaluates `expression` in Levee's main context; its value comes back as JSON. */
  async #evaluate(expression: string): Promise<Record<string, number>> {
    const reply = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value?: Record<string, number> };
      exceptionDetails?: { text: string };
    };
    if (reply.exceptionDetails || !reply.result.value) throw new Error(`inspector: evaluate failed: ${reply.exceptionDetails?.text ?? 'no value'}`);
    return reply.result.value;
  }

  async close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.#socket, 'close');
    this.#socket.close();
    await closed;
  }
}
