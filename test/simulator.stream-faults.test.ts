/**
 * The simulator's slow-stream fault as a streaming client meets it: a slow first chunk and gaps
 * between chunks, a stall (until the client leaves, or for a while), and a connection reset
 * part-way through a stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chat, chatBody, rawPost, sim, sseData, stats, useSharedSimulator } from './support/simulator-client.ts';
import { waitFor } from './support/wait-for.ts';

useSharedSimulator();

/** Reads a streaming response chunk by chunk, noting when each SSE event arrived. */
async function readTimed(response: Response, startedAt: number, stopAfterEvents = Infinity): Promise<Array<{ data: string; atMs: number }>> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Array<{ data: string; atMs: number }> = [];
  let buffer = '';
  while (events.length < stopAfterEvents) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      events.push({ data: buffer.slice('data: '.length, end), atMs: performance.now() - startedAt });
      buffer = buffer.slice(end + 2);
    }
  }
  return events;
}

describe('slow-stream fault', () => {
  it('slow-stream: sends headers at once and the first chunk after ttftMs, with gaps between chunks', async () => {
    sim.addFault({ route: 'chat', fault: { type: 'slow-stream', ttftMs: 200, chunkGapMs: 30 } });
    const startedAt = performance.now();
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody({ stream: true, max_tokens: 3 })) });
    const headersAfter = performance.now() - startedAt;
    assert.equal(response.status, 200);
    assert.ok(headersAfter < 150, `headers arrived after ${headersAfter} ms`);
    const events = await readTimed(response, startedAt);
    assert.equal(events.length, 1 + 3 + 1 + 1);
    assert.equal(events.at(-1)?.data, '[DONE]');
    assert.ok((events[0]?.atMs ?? 0) >= 195, `first chunk at ${events[0]?.atMs} ms`);
    // Measured from the start, not from the first chunk's arrival: a busy reader may take the first
    // chunks late and together, but cannot see the last before the simulator sent it.
    assert.ok((events.at(-1)?.atMs ?? 0) >= 200 + 4 * 30 - 5, `gaps between chunks: the end at ${events.at(-1)?.atMs} ms`);
    const whole = await chat({ max_tokens: 1 }, { 'x-sim-fault': JSON.stringify({ fault: { type: 'slow-stream', ttftMs: 100 } }) });
    assert.equal(whole.status, 200, 'non-streaming requests take ttftMs as latency');
  });

  it('slow-stream: stalls after N chunks until the client leaves, or for stallMs', async () => {
    sim.addFault({ count: 1, fault: { type: 'slow-stream', stallAfterChunks: 2 } });
    const controller = new AbortController();
    const startedAt = performance.now();
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody({ stream: true })), signal: controller.signal });
    const reader = response.body!.getReader();
    let text = '';
    while (sseData(text).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const next = await Promise.race([reader.read().then(() => 'more'), new Promise((resolve) => setTimeout(() => resolve('stalled'), 200))]);
    assert.equal(next, 'stalled');
    assert.equal(sseData(text).length, 2);
    controller.abort();
    await waitFor(() => stats().in_flight.current === 0, { timeoutMs: 2_000, what: 'the stalled stream to close' });
    assert.equal(stats().by_outcome.stall, 1);
    assert.ok(performance.now() - startedAt < 1_000);

    sim.addFault({ count: 1, fault: { type: 'slow-stream', stallAfterChunks: 1, stallMs: 150 } });
    const resumedAt = performance.now();
    const resumed = await chat({ stream: true, max_tokens: 2 });
    assert.ok(performance.now() - resumedAt >= 145);
    assert.equal(sseData(resumed.text).at(-1), '[DONE]');
  });

  it('slow-stream: resets the connection after resetAfterChunks chunks', async () => {
    sim.addFault({ fault: { type: 'slow-stream', resetAfterChunks: 3 } });
    const { status, data, error } = await rawPost(`${sim.url}/chat/completions`, chatBody({ stream: true }));
    assert.equal(status, 200);
    assert.equal(error?.code, 'ECONNRESET');
    assert.equal(sseData(data).length, 3);
    assert.ok(!data.includes('[DONE]'));
    await waitFor(() => stats().by_outcome.reset === 1, { timeoutMs: 2_000, what: 'the reset to be counted' });
    const viaFetch = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chatBody({ stream: true })) });
    assert.equal(viaFetch.status, 200);
    await assert.rejects(viaFetch.text(), TypeError, 'fetch reports the cut stream');
  });
});
