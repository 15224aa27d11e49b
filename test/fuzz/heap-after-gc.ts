/**
 * Levee's V8 heap right after a forced full GC, read over its `--inspect` port (Chrome DevTools
 * Protocol: HeapProfiler.collectGarbage, Runtime.getHeapUsage): what the process retains, without
 * the garbage a /metrics sample counts at a random moment.
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';

/** The debugger's WebSocket URL from the `Debugger listening on ws://…` line Node writes to stderr. */
export function inspectorUrl(stderr: readonly string[]): string | undefined {
  for (const line of stderr) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
    if (url) return url;
  }
  return undefined;
}

export async function heapAfterGcBytes(url: string): Promise<number> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await once(socket, 'open');
  try {
    let nextId = 0;
    const call = (method: string) =>
      new Promise<unknown>((resolve, reject) => {
        const id = ++nextId;
        const onMessage = (data: Buffer) => {
          const reply = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
          if (reply.id !== id) return;
          socket.off('message', onMessage);
          if (reply.error) reject(new Error(`inspector: ${reply.error.message}`));
          else resolve(reply.result);
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id, method }));
      });
    await call('HeapProfiler.collectGarbage');
    return ((await call('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
  } finally {
    socket.close();
  }
}
