/**
 * Interactive traffic first: a batch saturating its share of the provider's bulkhead (half of 8
 * slots) while interactive clients use the other half. From the bulkhead's own accounting: no
 * interactive call queued at all — not behind background calls, not behind each other — while
 * background calls were turned away for interactive ones (background_yield); and the batch kept
 * progressing meanwhile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { scrapeMetric } from './support/metrics-scrape.ts';
import { waitFor } from './support/wait-for.ts';

const SLOTS = 8;
const INTERACTIVE_CLIENTS = 4;
const REQUESTS_PER_CLIENT = 30;

/** The llm series of a counter, from Levee's /metrics (NaN when it is not exported). */
const llmCounter = (stack: LeveeWithSimulator, name: string, labels: Record<string, string>) => scrapeMetric(stack.levee.url, name, { dependency: 'llm', ...labels });

describe('Batch API: interactive calls first', { timeout: 120_000 }, () => {
  let stack: LeveeWithSimulator;
  before(async () => {
    stack = await startLeveeWithSimulator({ LLM_BULKHEAD_MAX_CONCURRENT: String(SLOTS), LLM_BACKGROUND_SHARE: '0.5', LLM_TIMEOUT_FLOOR_MS: '5000', JOB_POLL_INTERVAL_MS: '500' });
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 30 } } }]);
  });
  after(() => stack?.stop());

  it('never queues an interactive call behind a batch holding its share, and the batch keeps going', async (t) => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${stack.levee.url}/v1`, maxRetries: 0 });
    const input = Array.from({ length: 2_000 }, (_, index) =>
      JSON.stringify({ custom_id: `p-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `n ${index}` }] } }),
    ).join('\n');
    const file = await client.files.create({ file: await toFile(Buffer.from(input), 'input.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const completed = async () => (await client.batches.retrieve(batch.id)).request_counts?.completed ?? 0;
    await waitFor(async () => ((await completed()) >= 50 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, what: () => 'the batch to be under way' });

    const yieldsBefore = await llmCounter(stack, 'levee_bulkhead_rejected_calls_total', { reason: 'background_yield' });
    const doneBefore = await completed();
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: INTERACTIVE_CLIENTS }, async (_, clientIndex) => {
        for (let index = 0; index < REQUESTS_PER_CLIENT; index++) {
          const response = await fetch(`${stack.levee.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 4, messages: [{ role: 'user', content: `interactive ${clientIndex}-${index}` }] }),
          });
          statuses.push(response.status);
          await response.arrayBuffer();
        }
      }),
    );
    const doneAfter = await completed();
    const yields = (await llmCounter(stack, 'levee_bulkhead_rejected_calls_total', { reason: 'background_yield' })) - yieldsBefore;
    const behindBackground = await llmCounter(stack, 'levee_bulkhead_waited_calls_total', { behind: 'background' });
    const behindInteractive = await llmCounter(stack, 'levee_bulkhead_waited_calls_total', { behind: 'interactive' });
    await client.batches.cancel(batch.id);
    t.diagnostic(`interactive: ${statuses.length} calls; batch lines done meanwhile: ${doneAfter - doneBefore}; background calls deferred: ${yields}`);

    assert.deepEqual([...new Set(statuses)], [200], 'every interactive call answered');
    assert.equal(behindBackground, 0, 'no interactive call queued while background calls held slots');
    assert.equal(behindInteractive, 0, 'nor queued at all: the interactive half was never full');
    assert.ok(yields > 0, 'the batch was held to its share (background calls deferred)');
    assert.ok(doneAfter > doneBefore, `the batch kept progressing (${doneBefore} → ${doneAfter})`);
  });
});
