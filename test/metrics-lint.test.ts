/**
 * /metrics passes Prometheus's own linter: a real Levee on the embedded simulator serves chat
 * (JSON and streamed) and embeddings, including a retried call, and the classic text scrape of
 * /metrics piped to `promtool check metrics` prints nothing and exits 0. (The text format is asked
 * for because promtool 2.42 cannot parse OpenMetrics exemplars.) A negative control proves the
 * same promtool run does fail on a gauge with a counter's `_total` suffix.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_METRIC_RENAMES } from '../service/telemetry/names.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';

interface PromtoolResult {
  code: number | null;
  output: string;
}

/** Pipes an exposition to `promtool check metrics`; resolves with its exit code and everything it printed. */
function promtoolCheckMetrics(exposition: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}

describe('metrics lint', () => {
  let stack: LeveeWithSimulator;
  let exposition: string;

  const post = (path: string, body: unknown) =>
    fetch(`${stack.levee.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    stack = await startLeveeWithSimulator();
    // One call fails once upstream and succeeds on retry: retry and error-outcome series get samples too.
    stack.simulator.setFaults([{ route: 'chat', count: 1, fault: { type: 'error', status: 503 } }]);
    const chat = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(chat.status, 200, await chat.clone().text());
    assert.ok(((await chat.json()) as { choices: unknown[] }).choices.length > 0);

    const stream = await post('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    assert.match(await stream.text(), /data: \[DONE\]/);

    const embeddings = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['one', 'two'] });
    assert.equal(embeddings.status, 200);
    assert.equal(((await embeddings.json()) as { data: unknown[] }).data.length, 2);

    const scrape = await fetch(`${stack.levee.url}/metrics`, { headers: { accept: 'text/plain; version=0.0.4' } });
    assert.equal(scrape.status, 200);
    assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    exposition = await scrape.text();
  });
  after(() => stack?.stop());

  it('the scrape carries the traffic just sent, in the classic text format', () => {
    for (const operation of ['chat', 'chat_stream', 'embeddings']) {
      assert.match(exposition, new RegExp(`^levee_dependency_calls_total\\{dependency="llm",provider="default",operation="${operation}",outcome="success"\\} [1-9]`, 'm'), operation);
    }
    assert.match(exposition, /^levee_dependency_retries_total\{dependency="llm",provider="default",operation="chat",reason="http_5xx"\} 1$/m);
    assert.match(exposition, /^gen_ai_client_token_usage_count\{/m);
    assert.doesNotMatch(exposition, /^# EOF/m, 'OpenMetrics was served');
    assert.doesNotMatch(exposition, / # \{/, 'an exemplar in the classic format');
  });

  it('promtool check metrics reports nothing', async () => {
    const { code, output } = await promtoolCheckMetrics(exposition);
    assert.equal(output, '', `promtool findings:\n${output}`);
    assert.equal(code, 0);
  });

  it("prom-client's three `_total` gauges are exported under their lint-clean names", () => {
    for (const [from, to] of Object.entries(DEFAULT_METRIC_RENAMES)) {
      assert.doesNotMatch(exposition, new RegExp(`^${from}\\b`, 'm'), from);
      assert.match(exposition, new RegExp(`^# TYPE ${to} gauge\\n${to} \\d+$`, 'm'), to);
    }
    // The per-type gauges they sum stay as prom-client names them.
    assert.match(exposition, /^nodejs_active_handles\{type="[A-Za-z]+"\} \d+$/m);
  });

  it('negative control: the same check fails on a gauge named like a counter', async () => {
    const { code, output } = await promtoolCheckMetrics('# HELP x_total A gauge misnamed.\n# TYPE x_total gauge\nx_total 1\n');
    assert.notEqual(code, 0);
    assert.match(output, /x_total non-counter metrics should not have "_total" suffix/);
  });
});
