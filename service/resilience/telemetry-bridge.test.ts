import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { createLogger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { DependencyPolicies } from './dependency-policies.ts';
import { RetryLog } from './retry-log.ts';
import { bridgeTelemetry } from './telemetry-bridge.ts';
import { testPolicySheet } from './testing/policy-sheet.ts';
import { settle } from './testing/retry-harness.ts';

function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

/** A call that fails `failures` times, then answers. */
function failingFirst(failures: number) {
  let calls = 0;
  return async () => {
    calls += 1;
    if (calls <= failures) throw new Error('upstream 503');
    return 'ok';
  };
}

describe('bridgeTelemetry: retry decisions in the log', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('logs each retry of a dependency call and its success after them', async () => {
    const { logger, lines } = capturedLog();
    const policies = new DependencyPolicies(testPolicySheet({ dependency: 'postgres' }));
    bridgeTelemetry(policies, createMetrics(), logger);
    assert.deepEqual(await settle(policies.execute('call', 'm', failingFirst(2), new AbortController().signal)), { ok: true, value: 'ok' });
    assert.deepEqual(
      lines.map((line) => [line.msg, line.dependency, line.operation, line.attempt ?? line.attempts, line.max_attempts, line.error_type, line.wait_ms]),
      [
        ['dependency call failed; retrying', 'postgres', 'call', 1, 3, 'http_5xx', 10],
        ['dependency call failed; retrying', 'postgres', 'call', 2, 3, 'http_5xx', 10],
        ['dependency call succeeded after retries', 'postgres', 'call', 3, undefined, undefined, undefined],
      ],
    );
  });

  it('counts the instances of one dependency against one cap when they share its RetryLog', async () => {
    const { logger, lines } = capturedLog();
    const shared = new RetryLog(logger, 'llm', { limit: 3 });
    const providers = ['a', 'b'].map((provider) => new DependencyPolicies(testPolicySheet({ dependency: 'llm', provider })));
    for (const policies of providers) bridgeTelemetry(policies, createMetrics(), logger, shared);
    for (const policies of providers) await settle(policies.execute('call', 'm', failingFirst(1), new AbortController().signal));
    assert.deepEqual(lines.map((line) => [line.provider, line.msg]), [
      ['a', 'dependency call failed; retrying'],
      ['a', 'dependency call succeeded after retries'],
      ['b', 'dependency call failed; retrying'],
    ]);
  });
});
