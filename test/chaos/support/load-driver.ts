/**
 * Steady client load at a fixed arrival rate (an open model: requests are sent on schedule
 * whether or not earlier ones have answered, as independent clients would, so a slow server
 * does not slow the load down and hide the problem). Every request is recorded: when it was sent,
 * its status and error code, its latency, the provider that answered (X-Levee-Provider), and for
 * a stream whether it ran to `[DONE]`. The number open at once is bounded; a request the bound
 * refuses is recorded as `dropped`.
 */
import { Agent, request } from 'undici';
import { nowMs } from './clock.ts';

export type RequestKind = 'chat' | 'stream';

export interface RequestRecord {
  kind: RequestKind;
  /** Epoch ms when sent, and when the answer (the whole body, for a stream) was in. */
  sentAt: number;
  endedAt: number;
  /** HTTP status; 0 when no answer came (connection error, client timeout, dropped). */
  status: number;
  /** The OpenAI-style error code of an error answer. */
  code?: string;
  /** Non-HTTP failure: the connection error, `client_timeout` or `dropped`. */
  error?: string;
  latencyMs: number;
  /** 200 with a whole body; for a stream: `[DONE]` arrived and no error event before it. */
  completed: boolean;
  /** The provider that answered (X-Levee-Provider), when the answer names one. */
  provider?: string;
}

export interface LoadOptions {
  /** Where to send: HAProxy's frontend. */
  url: string;
  ratePerSecond: number;
  /** Share of requests that are streams (0–1, spread evenly). Default 0. */
  streamShare?: number;
  /** Model of non-streamed chats. Default gpt-4o-mini. */
  model?: string;
  /** Model of streams (a slow-stream fault can target it). Default: `model`. */
  streamModel?: string;
  headers?: Record<string, string>;
  /** Most requests open at once; beyond it a scheduled request is dropped (recorded). Default 400. */
  maxInFlight?: number;
  /** A request still open after this is abandoned as `client_timeout`. Default 30 s. */
  clientTimeoutMs?: number;
}

export interface Load {
  records: RequestRecord[];
  inFlight(): number;
  /** Stops sending and waits for the open requests. */
  stop(): Promise<RequestRecord[]>;
}

/** A connection pool of its own, kept alive well under HAProxy's 30 s client keep-alive. */
export function clientAgent(connections = 1024): Agent {
  return new Agent({ connections, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000, pipelining: 1 });
}

/** Sends one chat request (streamed or not) and records how it ended. */
export async function sendChat(
  agent: Agent,
  url: string,
  options: { kind: RequestKind; model: string; headers?: Record<string, string>; clientTimeoutMs?: number },
): Promise<RequestRecord> {
  const sentAt = nowMs();
  const body = JSON.stringify({
    model: options.model,
    messages: [{ role: 'user', content: `chaos ${Math.floor(sentAt)}` }],
    ...(options.kind === 'stream' ? { stream: true } : {}),
  });
  /** The answering provider, once the headers are in. */
  let provider: string | undefined;
  const finish = (fields: Omit<RequestRecord, 'kind' | 'sentAt' | 'endedAt' | 'latencyMs'>): RequestRecord => {
    const endedAt = nowMs();
    return { kind: options.kind, sentAt, endedAt, latencyMs: endedAt - sentAt, ...(provider ? { provider } : {}), ...fields };
  };
  try {
    const response = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      signal: AbortSignal.timeout(options.clientTimeoutMs ?? 30_000),
    });
    const text = await response.body.text();
    const providerHeader = response.headers['x-levee-provider'];
    provider = (Array.isArray(providerHeader) ? providerHeader[0] : providerHeader) || undefined;
    if (response.statusCode !== 200) {
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      return finish({ status: response.statusCode, ...(code ? { code } : {}), completed: false });
    }
    if (options.kind === 'stream') {
      const errorEvent = /^data: (\{"error".*)$/m.exec(text);
      const done = text.includes('data: [DONE]');
      if (errorEvent) return finish({ status: 200, completed: false, code: `stream_error:${streamErrorCode(errorEvent[1]!)}` });
      return finish({ status: 200, completed: done, ...(done ? {} : { code: 'stream_cut' }) });
    }
    return finish({ status: 200, completed: true });
  } catch (error) {
    const name = (error as { name?: string }).name;
    const code = (error as { code?: string }).code;
    return finish({ status: 0, error: name === 'TimeoutError' ? 'client_timeout' : (code ?? name ?? 'error'), completed: false });
  }
}

function streamErrorCode(json: string): string {
  try {
    return (JSON.parse(json) as { error?: { code?: string } }).error?.code ?? 'unknown';
  } catch {
    return 'unparsable';
  }
}

export function startLoad(options: LoadOptions): Load {
  const agent = clientAgent();
  const records: RequestRecord[] = [];
  const maxInFlight = options.maxInFlight ?? 400;
  const model = options.model ?? 'gpt-4o-mini';
  const streamShare = options.streamShare ?? 0;
  const intervalMs = 1000 / options.ratePerSecond;
  const pending = new Set<Promise<void>>();
  const started = nowMs();
  let sent = 0;
  let streamsSoFar = 0;
  let running = true;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fire = () => {
    sent += 1;
    // Even spread: the n-th request is a stream when the running share falls behind.
    const kind: RequestKind = streamsSoFar < Math.floor(sent * streamShare) ? 'stream' : 'chat';
    if (kind === 'stream') streamsSoFar += 1;
    if (pending.size >= maxInFlight) {
      const at = nowMs();
      records.push({ kind, sentAt: at, endedAt: at, status: 0, error: 'dropped', latencyMs: 0, completed: false });
      return;
    }
    const work = sendChat(agent, options.url, {
      kind,
      model: kind === 'stream' ? (options.streamModel ?? model) : model,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.clientTimeoutMs ? { clientTimeoutMs: options.clientTimeoutMs } : {}),
    }).then((record) => void records.push(record));
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const tick = () => {
    if (!running) return;
    // Catch up on every arrival that is due: the schedule never slips because the server is slow.
    const due = Math.floor((nowMs() - started) / intervalMs) + 1;
    while (sent < due) fire();
    timer = setTimeout(tick, Math.max(1, started + sent * intervalMs - nowMs()));
  };
  tick();

  return {
    records,
    inFlight: () => pending.size,
    async stop() {
      running = false;
      clearTimeout(timer);
      await Promise.all([...pending]);
      await agent.close();
      return records;
    },
  };
}

/** Records sent in [from, to) (epoch ms). */
export function sentBetween(records: readonly RequestRecord[], from: number, to: number): RequestRecord[] {
  return records.filter((record) => record.sentAt >= from && record.sentAt < to);
}

/** Counts of each status (0 → the error name), e.g. `{ '200': 118, '503': 2 }`. */
export function statusCounts(records: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const key = record.status === 0 ? (record.error ?? 'error') : record.code ? `${record.status} ${record.code}` : String(record.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
