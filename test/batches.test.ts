/**
 * The OpenAI Batch API against a real Levee (embedded Postgres, the simulator upstream) with the
 * official `openai` SDK, unmodified: upload a JSONL file, create the batch, poll it to completion,
 * read the output file. Chat and embeddings; per-line errors in the error file; transient
 * upstream failures do not fail lines; a provider outage pauses the batch; cancel; bad requests create nothing; bad file content fails
 * the batch in `validating`; another client key sees nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { waitFor } from './support/wait-for.ts';

const KEYS = 'alice:alice-key-0123456789,bob:bob-key-0123456789';
const chatLine = (index: number) =>
  JSON.stringify({ custom_id: `req-${index}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: `line ${index}` }] } });
const embeddingLine = (index: number) =>
  JSON.stringify({ custom_id: `emb-${index}`, method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: `text ${index}` } });

describe('Batch API with the official SDK', { timeout: 120_000 }, () => {
  let stack: LeveeWithSimulator;
  let alice: OpenAI;
  let bob: OpenAI;
  before(async () => {
    stack = await startLeveeWithSimulator({ API_KEYS: KEYS, JOB_POLL_INTERVAL_MS: '500' });
    const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${stack.levee.url}/v1`, maxRetries: 0 });
    alice = client('alice-key-0123456789');
    bob = client('bob-key-0123456789');
  });
  after(() => stack?.stop());

  async function runToEnd(lines: string[], endpoint: '/v1/chat/completions' | '/v1/embeddings') {
    const file = await alice.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 'input.jsonl'), purpose: 'batch' });
    const created = await alice.batches.create({ input_file_id: file.id, endpoint, completion_window: '24h' });
    assert.equal(created.status, 'validating');
    let last: OpenAI.Batches.Batch | undefined;
    const done = await waitFor(
      async () => {
        last = await alice.batches.retrieve(created.id);
        return ['completed', 'failed', 'cancelled', 'expired'].includes(last.status) ? last : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: () => `batch ${created.id} to end (last seen ${last?.status}, ${JSON.stringify(last?.request_counts)})` },
    );
    return done;
  }

  async function lines(fileId: string | null | undefined): Promise<Array<Record<string, any>>> {
    if (!fileId) return [];
    const text = await (await alice.files.content(fileId)).text();
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  }

  it('runs 1,000 chat lines to one 200 chat completion per custom_id', async () => {
    const batch = await runToEnd(Array.from({ length: 1_000 }, (_, index) => chatLine(index)), '/v1/chat/completions');
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 1_000, completed: 1_000, failed: 0 });
    const output = await lines(batch.output_file_id);
    assert.equal(output.length, 1_000);
    assert.equal(new Set(output.map((line) => line.custom_id)).size, 1_000);
    for (const line of output) {
      assert.equal(line.response.status_code, 200);
      assert.equal(line.response.body.object, 'chat.completion');
      assert.match(line.response.request_id, /^req_/);
      assert.equal(line.error, null);
    }
    assert.equal(batch.error_file_id, null);
  });

  it('runs embeddings lines, and keeps every line through 20 % transient upstream failures', async () => {
    stack.simulator.setFaults([{ route: 'embeddings', probability: 0.2, fault: { type: 'error', status: 503 } }]);
    const batch = await runToEnd(Array.from({ length: 200 }, (_, index) => embeddingLine(index)), '/v1/embeddings');
    stack.simulator.clearFaults();
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 200, completed: 200, failed: 0 });
    const output = await lines(batch.output_file_id);
    assert.equal(output.length, 200);
    assert.ok(output.every((line) => line.response.status_code === 200 && line.response.body.data[0].object === 'embedding'));
  });

  it('puts lines whose body is invalid in the error file with a 400, and counts them failed', async () => {
    const input = [chatLine(1), JSON.stringify({ custom_id: 'bad', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini' } }), chatLine(2)];
    const batch = await runToEnd(input, '/v1/chat/completions');
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.request_counts, { total: 3, completed: 2, failed: 1 });
    const errors = await lines(batch.error_file_id);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.custom_id, 'bad');
    assert.equal(errors[0]!.response.status_code, 400);
    assert.equal(errors[0]!.response.body.error.param, 'messages');
    assert.equal((await lines(batch.output_file_id)).length, 2);
  });

  it('fails bad file content in validating with OpenAI’s errors.data', async () => {
    const input = [chatLine(1), 'not json', JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/embeddings', body: {} }), chatLine(1)];
    const batch = await runToEnd(input, '/v1/chat/completions');
    assert.equal(batch.status, 'failed');
    assert.deepEqual(
      batch.errors?.data?.map((error) => [error.line, error.code]),
      [
        [2, 'invalid_json_line'],
        [3, 'mismatched_url'],
        [4, 'duplicate_custom_id'],
      ],
    );
    assert.equal(batch.request_counts?.total, 0);
  });

  it('pauses through a provider outage, failing no line, and finishes after recovery', async () => {
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 20 } } }]);
    const file = await alice.files.create({ file: await toFile(Buffer.from(Array.from({ length: 400 }, (_, index) => chatLine(index)).join('\n')), 'outage.jsonl'), purpose: 'batch' });
    const created = await alice.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor(async () => ((await alice.batches.retrieve(created.id)).request_counts?.completed ?? 0) >= 40, { timeoutMs: 30_000, intervalMs: 100, what: () => 'the batch to be under way' });
    // The outage lasts until the breaker has opened and the batch has stood still through two of its half-open probes.
    const openings = () => stack.levee.stdout.filter((line) => line.includes('"msg":"circuit breaker opened"') && line.includes('"dependency":"llm"')).length;
    const openedBefore = openings();
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    await waitFor(() => openings() > openedBefore, { timeoutMs: 15_000, intervalMs: 50, what: () => 'the LLM breaker to open' });
    const during = await alice.batches.retrieve(created.id);
    const callsAtOpen = stack.simulator.stats().by_route.chat;
    await waitFor(() => stack.simulator.stats().by_route.chat >= callsAtOpen + 2, { timeoutMs: 15_000, intervalMs: 50, what: () => 'two half-open probes' });
    const stillDuring = await alice.batches.retrieve(created.id);
    stack.simulator.clearFaults();
    assert.equal(stillDuring.status, 'in_progress', 'the batch waits out the outage');
    assert.equal(stillDuring.request_counts?.failed, 0, 'no line failed for the outage');
    assert.ok((stillDuring.request_counts?.completed ?? 0) < 400 && stillDuring.request_counts?.completed === during.request_counts?.completed, 'nothing completed while the provider was down');

    const done = await waitFor(async () => {
      const batch = await alice.batches.retrieve(created.id);
      return batch.status === 'completed' ? batch : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: () => 'the batch to finish after recovery' });
    assert.deepEqual(done.request_counts, { total: 400, completed: 400, failed: 0 });
    assert.equal((await lines(done.output_file_id)).length, 400);
  });

  it('cancels a running batch within 2 s, keeping what finished', async () => {
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'latency', distribution: { kind: 'fixed', ms: 200 } } }]);
    const file = await alice.files.create({ file: await toFile(Buffer.from(Array.from({ length: 500 }, (_, index) => chatLine(index)).join('\n')), 'slow.jsonl'), purpose: 'batch' });
    const created = await alice.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor(async () => ((await alice.batches.retrieve(created.id)).request_counts?.completed ?? 0) >= 10, { timeoutMs: 30_000, intervalMs: 100 });
    const cancelledAt = Date.now();
    const cancelling = await alice.batches.cancel(created.id);
    assert.equal(cancelling.status, 'cancelling');
    const cancelled = await waitFor(async () => {
      const batch = await alice.batches.retrieve(created.id);
      return batch.status === 'cancelled' ? batch : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50 });
    stack.simulator.clearFaults();
    assert.ok(Date.now() - cancelledAt <= 2_000 + 1_000, `cancelled ${Date.now() - cancelledAt} ms after the request`);
    const output = await lines(cancelled.output_file_id);
    assert.ok(output.length >= 10 && output.length < 500, `${output.length} lines kept`);
    assert.equal(cancelled.request_counts?.completed, output.length);
  });

  it('refuses bad requests at once, creating nothing', async () => {
    const chatFile = await alice.files.create({ file: await toFile(Buffer.from(chatLine(1)), 'one.jsonl'), purpose: 'batch' });
    const other = await alice.files.create({ file: await toFile(Buffer.from('{}'), 'other.jsonl'), purpose: 'user_data' });
    const before = (await alice.batches.list()).data.length;
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' }, 404, 'not_found', 'input_file_id'],
      [{ input_file_id: other.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, 400, 'invalid_request', 'input_file_id'],
      [{ input_file_id: chatFile.id, endpoint: '/v1/responses', completion_window: '24h' }, 400, 'invalid_request', 'endpoint'],
      [{ input_file_id: chatFile.id, endpoint: '/v1/chat/completions', completion_window: '1h' }, 400, 'invalid_request', 'completion_window'],
      // Found by test/fuzz/: what Postgres cannot store (NUL, a lone surrogate) was a 500.
      [{ input_file_id: chatFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { a: 'x\u0000' } }, 400, 'invalid_request', 'metadata.a'],
      [{ input_file_id: chatFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { a: '\ud800' } }, 400, 'invalid_request', 'metadata.a'],
      [{ input_file_id: 'file-\u0000', endpoint: '/v1/chat/completions', completion_window: '24h' }, 404, 'not_found', 'input_file_id'],
    ];
    for (const [body, status, code, param] of cases) {
      const response = await fetch(`${stack.levee.url}/v1/batches`, { method: 'POST', headers: { authorization: 'Bearer alice-key-0123456789', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = (await response.json()) as { error: { code: string; param: string } };
      assert.deepEqual([response.status, answer.error.code, answer.error.param], [status, code, param], JSON.stringify(body));
    }
    const reads: Array<[string, string, number, string]> = [
      ['GET', '/v1/batches/%00', 404, 'batch_id'],
      ['POST', '/v1/batches/%00/cancel', 404, 'batch_id'],
      ['GET', '/v1/batches?after=%00', 400, 'after'],
    ];
    for (const [method, path, status, param] of reads) {
      const response = await fetch(`${stack.levee.url}${path}`, { method, headers: { authorization: 'Bearer alice-key-0123456789' } });
      const answer = (await response.json()) as { error: { param: string } };
      assert.deepEqual([response.status, answer.error.param], [status, param], `${method} ${path}`);
    }
    // Another client's file is not there for bob either.
    const foreign = await fetch(`${stack.levee.url}/v1/batches`, { method: 'POST', headers: { authorization: 'Bearer bob-key-0123456789', 'content-type': 'application/json' }, body: JSON.stringify({ input_file_id: chatFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' }) });
    assert.equal(foreign.status, 404);
    assert.equal((await alice.batches.list()).data.length, before);
  });

  it("keeps batches per client key: another key gets 404 and an empty list", async () => {
    const [batch] = (await alice.batches.list()).data;
    assert.ok(batch);
    await assert.rejects(bob.batches.retrieve(batch.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    await assert.rejects(bob.batches.cancel(batch.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
    assert.deepEqual((await bob.batches.list()).data, []);
  });
});
