/**
 * Retry decisions in Levee's log (stdout, JSON lines): a warn line per retried attempt and an info
 * line when the call succeeds after retries, carrying the request's trace id and never its prompt;
 * and a full outage cannot flood the log: at most 60 such lines a minute for `llm`, plus one
 * summary line. The breaker is off so every failing call may retry (calls refused by an open
 * breaker never retry, and would leave the cap untested).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { waitFor } from './support/wait-for.ts';

const RETRYING = 'dependency call failed; retrying';
const RECOVERED = 'dependency call succeeded after retries';
const SUPPRESSED = 'retry log lines suppressed';
const RETRY_MESSAGES = new Set([RETRYING, RECOVERED, SUPPRESSED]);

const PROMPT = 'the secret launch code is pelican-7';
const CALLER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const OUTAGE_CALLS = 1_000;
const CONCURRENCY = 25;

type LogLine = Record<string, unknown>;

/** The most lines whose time falls within any one minute. */
function mostInAMinute(lines: LogLine[]): number {
  const times = lines.map((line) => Date.parse(String(line.time))).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 60_000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('retry decisions in the log', { timeout: 120_000 }, () => {
  let stack: LeveeWithSimulator;
  const chat = (requestId: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.levee.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Request-Id': requestId, ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }),
    });
  const isAccessLine = (line: LogLine, requestId: string) => line.request_id === requestId && typeof line.status === 'number';
  /** Every line up to the access line of `requestId` (lines leave in order). */
  const logsThrough = (requestId: string) =>
    waitFor(() => (stack.levee.logs().some((line) => isAccessLine(line, requestId)) ? stack.levee.logs() : undefined), {
      what: () => `the access line of ${requestId}`,
    });
  const retryLines = (lines: LogLine[]) => lines.filter((line) => line.dependency === 'llm' && RETRY_MESSAGES.has(String(line.msg)));

  before(async () => {
    stack = await startLeveeWithSimulator({ LLM_BREAKER_ENABLED: 'false' });
  });
  after(() => stack.stop());

  it('logs each retried attempt and the success after them, with the request\'s trace id and no prompt', async () => {
    stack.simulator.setFaults([{ route: 'chat', count: 2, fault: { type: 'error', status: 503 } }]);
    const response = await chat('retried-call', { traceparent: `00-${CALLER_TRACE_ID}-00f067aa0ba902b7-01` });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-levee-attempts'), '3');

    const lines = await logsThrough('retried-call');
    const access = lines.find((line) => isAccessLine(line, 'retried-call'));
    assert.equal(access?.trace_id, CALLER_TRACE_ID, 'the request continued the caller\'s trace');
    const decisions = retryLines(lines).map(({ time: _time, service: _service, version: _version, span_id: spanId, ...fields }) => {
      assert.match(String(spanId), /^[0-9a-f]{16}$/);
      return fields;
    });
    const waits = decisions.map((line) => line.wait_ms);
    assert.ok(waits.slice(0, 2).every((wait) => typeof wait === 'number' && wait >= 15 && wait <= 125), `waits within the backoff (20 ms × 2ⁿ ±25 %, ≤ 100): ${waits}`);
    const common = { dependency: 'llm', provider: 'default', operation: 'chat', trace_id: CALLER_TRACE_ID };
    assert.deepEqual(decisions, [
      { level: 'warn', ...common, attempt: 1, max_attempts: 3, error_type: 'http_5xx', wait_ms: waits[0], msg: RETRYING },
      { level: 'warn', ...common, attempt: 2, max_attempts: 3, error_type: 'http_5xx', wait_ms: waits[1], msg: RETRYING },
      { level: 'info', ...common, attempts: 3, msg: RECOVERED },
    ]);
    assert.ok(!stack.levee.stdout.some((line) => line.includes('pelican')), 'no prompt text in the log');
  });

  it(`an outage of ${OUTAGE_CALLS} failing calls writes at most 60 retry lines a minute for llm, plus one summary`, async () => {
    stack.simulator.setFaults([{ route: 'chat', fault: { type: 'error', status: 500 } }]);
    const upstreamBefore = stack.simulator.stats().by_route.chat ?? 0;
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < OUTAGE_CALLS) {
          const response = await chat(`outage-${next++}`);
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      }),
    );
    assert.equal(statuses.length, OUTAGE_CALLS);
    assert.ok(statuses.every((status) => status === 502), 'every call failed with upstream_error');
    assert.ok((stack.simulator.stats().by_route.chat ?? 0) - upstreamBefore >= OUTAGE_CALLS, 'every call reached the failing upstream');

    const metrics = await (await fetch(`${stack.levee.url}/metrics`)).text();
    const retries = [...metrics.matchAll(/^levee_dependency_retries_total\{dependency="llm",[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    assert.ok(retries > 120, `the outage retried far more than the cap allows to log (${retries} retries)`);

    stack.simulator.setFaults([]);
    const lines = retryLines(await logsThrough(`outage-${OUTAGE_CALLS - 1}`));
    const most = mostInAMinute(lines);
    assert.ok(most <= 61, `${most} retry lines for llm within one minute`);
    assert.ok(lines.filter((line) => line.msg === RETRYING).length >= 55, 'the cap still lets the first lines of the outage through');
    assert.ok(!stack.levee.stdout.some((line) => line.includes('pelican')), 'no prompt text in the log');
  });
});
