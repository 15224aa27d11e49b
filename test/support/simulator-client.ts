/**
 * Shared set-up of the simulator's tests: one simulator per test file (seed 42, reset before each
 * test), requests to it over real HTTP, and the OpenAI shapes its answers are read as.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../../simulator/server.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
export interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
export interface ChatCompletion {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; refusal: null; tool_calls?: ToolCall[] };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: Usage;
}
export interface ChatChunk {
  id: string;
  object: string;
  model: string;
  system_fingerprint: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string | null; tool_calls?: unknown[] }; finish_reason: string | null }>;
  usage?: Usage | null;
}
export interface EmbeddingList {
  object: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The file's simulator, started by useSharedSimulator (a live binding: read it inside tests and hooks). */
export let sim: SimulatorHandle;

/** Starts the shared simulator before the file's tests, resets it before each test, closes it after them. */
export function useSharedSimulator(): void {
  before(async () => {
    sim = await startSimulator({ seed: 42 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
  });
}

export interface Answer<Body> {
  status: number;
  headers: Headers;
  text: string;
  json: Body;
}

/** One request to the shared simulator; a `body` makes it a JSON POST. */
export async function call<Body = unknown>(
  path: string,
  options: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<Answer<Body>> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${options.base ?? sim.origin}${path}`, {
    method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Body };
}

export const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'How high is the levee?' },
  ],
  ...extra,
});

export const chat = (extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  call<ChatCompletion & ErrorBody>('/v1/chat/completions', { body: chatBody(extra), ...(headers ? { headers } : {}) });

export const embed = (body: Record<string, unknown>) => call<EmbeddingList & ErrorBody>('/v1/embeddings', { body });

/** The data payloads of an SSE body, in order (`[DONE]` included as text). */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.length > 0)
    .map((event) => {
      assert.ok(event.startsWith('data: '), `an SSE data line: ${event}`);
      return event.slice('data: '.length);
    });
}

export const stats = () => sim.stats();

/** A request over node:http, so a reset shows its real socket error code (fetch wraps it). */
export function rawPost(url: string, body: unknown): Promise<{ data: string; error: NodeJS.ErrnoException | undefined; status: number | undefined }> {
  return new Promise((resolve) => {
    let data = '';
    let status: number | undefined;
    const payload = JSON.stringify(body);
    const outgoing = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      status = response.statusCode;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (data += chunk));
      response.on('end', () => resolve({ data, error: undefined, status }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ data, error, status }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ data, error, status }));
    outgoing.end(payload);
  });
}
