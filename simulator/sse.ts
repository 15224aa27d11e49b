/**
 * Server-sent events framing as OpenAI-compatible APIs use it: `data: <json>` events separated
 * by a blank line, the stream closed by a literal `data: [DONE]`.
 */
import type { OutgoingHttpHeaders } from 'node:http';

/** Response headers of an event stream; no-transform and no buffering so proxies pass chunks on at once. */
export const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/** The event that ends every OpenAI stream. */
export const DONE_EVENT = 'data: [DONE]\n\n';

/** One event carrying `json` (already serialised, one line). */
export function sseEvent(json: string): string {
  return `data: ${json}\n\n`;
}
