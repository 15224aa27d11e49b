/** The official OpenAI SDK, pointed at Levee, works unmodified: chat, streaming, batched embeddings. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

describe('OpenAI SDK against Levee', () => {
  let stack: LeveeWithSimulator;
  let client: OpenAI;
  before(async () => {
    stack = await startLeveeWithSimulator();
    client = new OpenAI({ baseURL: `${stack.levee.url}/v1`, apiKey: 'unused-while-open', maxRetries: 0 });
  });
  after(() => stack.stop());

  it('chat completion', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0]?.message.role, 'assistant');
    assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
    assert.ok(completion.usage && completion.usage.total_tokens > 0);
  });

  it('streaming chat, with usage only when asked for', async () => {
    const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of plain) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks += 1;
    }
    assert.ok(text.length > 0);
    assert.equal(usageChunks, 0, 'the usage chunk Levee asked for upstream is not relayed unasked');

    const withUsage = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hello' }],
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of withUsage) usage = chunk.usage ?? usage;
    assert.ok(usage && usage.completion_tokens > 0);
    // Levee always asks upstream for usage, for its token metrics.
    const lastUpstream = stack.simulator.requests().at(-1)!.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(lastUpstream.stream_options?.include_usage, true);
  });

  it('embeddings: 45 inputs go upstream as 3 batches, order and indexes kept', async () => {
    stack.simulator.resetStats();
    const inputs = Array.from({ length: 45 }, (_, index) => `input number ${index}`);
    const batched = await client.embeddings.create({ model: 'text-embedding-3-small', input: inputs });
    assert.equal(stack.simulator.stats().by_route.embeddings, 3);
    assert.equal(batched.data.length, 45);
    assert.deepEqual(batched.data.map((item) => item.index), inputs.map((_, index) => index));
    // Each vector is the one the upstream gives that input alone (the SDK decodes base64).
    const single = await client.embeddings.create({ model: 'text-embedding-3-small', input: inputs[37]! });
    assert.deepEqual(batched.data[37]!.embedding, single.data[0]!.embedding);
    assert.equal(batched.usage.prompt_tokens > single.usage.prompt_tokens, true);
  });

  it('models', async () => {
    const models = await client.models.list();
    assert.ok(models.data.some((model) => model.id === 'gpt-4o-mini'));
  });

  it('surfaces an upstream 400 as the SDK’s BadRequestError, without a retry', async () => {
    stack.simulator.resetStats();
    stack.simulator.addFault({ route: 'chat', count: 1, fault: { type: 'error', status: 400, message: 'bad parameter' } });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.status, 400);
        assert.match(error.message, /bad parameter/);
        return true;
      },
    );
    assert.equal(stack.simulator.stats().by_route.chat, 1);
    // A 400 says nothing about the provider's health: the breaker did not count it.
    const breakers = (await (await fetch(`${stack.levee.url}/health/circuit-breakers`)).json()) as {
      circuit_breakers: { 'llm/default': { state: string; failures: number } };
    };
    assert.deepEqual([breakers.circuit_breakers['llm/default'].state, breakers.circuit_breakers['llm/default'].failures], ['closed', 0]);
  });
});
