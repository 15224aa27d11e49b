import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { TraceFlags, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { waitFor } from '../../test/support/wait-for.ts';
import { createLogger } from '../telemetry/logger.ts';
import { RetryLog } from './retry-log.ts';

function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

const failed = { provider: 'openai', operation: 'chat', attempt: 1, maxAttempts: 3, errorType: 'http_5xx', waitMs: 212.4 };

describe('RetryLog', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('writes a warn line per retried attempt and an info line on a success after retries', () => {
    const { logger, lines } = capturedLog();
    const log = new RetryLog(logger, 'llm');
    log.retrying(failed);
    log.recovered({ provider: 'openai', operation: 'chat', attempts: 2 });
    const fields = lines.map(({ time: _time, ...rest }) => rest);
    assert.deepEqual(fields, [
      { level: 'warn', dependency: 'llm', provider: 'openai', operation: 'chat', attempt: 1, max_attempts: 3, error_type: 'http_5xx', wait_ms: 212, msg: 'dependency call failed; retrying' },
      { level: 'info', dependency: 'llm', provider: 'openai', operation: 'chat', attempts: 2, msg: 'dependency call succeeded after retries' },
    ]);
  });

  it('leaves the provider out for a dependency of one instance', () => {
    const { logger, lines } = capturedLog();
    new RetryLog(logger, 'postgres').retrying({ operation: 'query', attempt: 2, maxAttempts: 3, errorType: 'timeout', waitMs: 50 });
    assert.equal('provider' in lines[0]!, false);
    assert.equal(lines[0]!.dependency, 'postgres');
  });

  it('caps both kinds together at the limit a window, then writes one summary of what it held back', () => {
    const { logger, lines } = capturedLog();
    const log = new RetryLog(logger, 'llm', { limit: 5, windowMs: 60_000 });
    for (let index = 0; index < 100; index++) {
      log.retrying(failed);
      log.recovered({ operation: 'chat', attempts: 2 });
    }
    assert.equal(lines.length, 5);
    mock.timers.tick(60_000);
    assert.equal(lines.length, 6);
    assert.deepEqual({ ...lines[5], time: undefined }, { level: 'warn', dependency: 'llm', suppressed: 195, window_ms: 60_000, msg: 'retry log lines suppressed', time: undefined });
  });
});

describe('RetryLog summary line', () => {
  before(() => {
    // What the NodeSDK registers in production: the active span follows async work, timers included.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(() => context.disable());

  it('carries no trace id, though the line it summarises was held back inside a request', async () => {
    const { logger, lines } = capturedLog();
    const log = new RetryLog(logger, 'llm', { limit: 1, windowMs: 20 });
    const request = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    context.with(trace.setSpan(context.active(), request), () => {
      log.retrying(failed);
      log.retrying(failed);
    });
    const summary = await waitFor(() => lines.find((line) => line.msg === 'retry log lines suppressed'), { timeoutMs: 5_000 });
    assert.equal(lines[0]!.trace_id, '0af7651916cd43dd8448eb211c80319c', 'the line written inside the request carries its trace');
    assert.equal(summary.suppressed, 1);
    assert.equal('trace_id' in summary, false);
  });
});
