/**
 * README's policy tables against the policy sheets they describe, built from the config schema's
 * defaults: every number a row shows is the sheet's, and every metric a row names exists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { llmPolicySheet } from './deps/llm/policies.ts';
import { postgresPolicySheet } from './deps/postgres/policies.ts';
import type { PolicySheet } from './resilience/dependency-policies.ts';
import { quotaIsOn } from './resilience/outgoing-quota.ts';
import { METRIC } from './telemetry/names.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const config = loadConfig({});

/** A table's rows by their first cell: [setting, metrics]. The table is the one whose header names `column`. */
function policyTable(column: string): Map<string, [string, string]> {
  const start = readme.indexOf(`| Policy | ${column} |`);
  assert.notEqual(start, -1, `README has the table with column "${column}"`);
  const rows = new Map<string, [string, string]>();
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, policy, setting, metrics] = line.split('|').map((cell) => cell.trim());
    rows.set(policy!, [setting!, metrics!]);
  }
  return rows;
}

const seconds = (ms: number) => (ms % 1_000 === 0 ? `${ms / 1_000} s` : `${ms} ms`);
const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;
const probes = (count: number) => (count === 1 ? '1 good probe closes it' : `${count} good probes close it`);

/** What every dependency's table shows the same way. */
function sharedRows(sheet: PolicySheet<string>, timeoutKey: string): Record<string, string[]> {
  const { retryBudget: budget, breaker } = sheet;
  const timeout = sheet.timeouts[timeoutKey]!;
  return {
    'Retry budget': [`+${percent(budget.ratio)} of calls per ${seconds(budget.windowMs)}, plus ${budget.minRetriesPerSecond}/s`],
    'Circuit breaker': [
      `≥ ${breaker.minimumFailures} failures and ≥ ${percent(breaker.failureRateThreshold)} in ${seconds(breaker.windowMs)}`,
      `one probe after ${seconds(breaker.halfOpenAfterMs)}`,
      probes(breaker.successesToClose),
    ],
    'Adaptive timeout': [
      `${timeout.multiplier} × live P95`,
      `clamped to [${seconds(timeout.floorMs)}, ${seconds(timeout.ceilingMs)}]`,
      `${seconds(timeout.defaultMs)} before ${timeout.minSamples} samples`,
    ],
  };
}

function assertTable(column: string, expected: Record<string, string[]>): void {
  const rows = policyTable(column);
  const metricNames = new Set<string>(Object.values(METRIC));
  for (const [policy, fragments] of Object.entries(expected)) {
    const row = rows.get(policy);
    assert.ok(row, `the "${column}" table has a ${policy} row`);
    for (const fragment of fragments) assert.ok(row[0].includes(fragment), `${policy}: README shows "${fragment}" (the sheet's numbers); it says: ${row[0]}`);
  }
  for (const [policy, [, metrics]] of rows) {
    const named = [...metrics.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
    assert.ok(named.length > 0, `${policy} names its metrics`);
    for (const name of named) assert.ok(metricNames.has(name), `${policy}: ${name} is a metric Levee exports`);
  }
}

describe('README policy tables', () => {
  it("LLM: the sheet's numbers, built from the defaults", () => {
    const sheet = llmPolicySheet('default', config.llm.policies, config.llm.quota);
    const { bulkhead, rateLimit, retry } = sheet;
    const chat = sheet.timeouts.chat;
    const shared = sharedRows(sheet, 'chat');
    assertTable('LLM setting', {
      Bulkhead: [`${bulkhead.maxConcurrent} concurrent`, `${bulkhead.maxQueued} queued`, `queue wait ≤ min(deadline, ${seconds(bulkhead.queueTimeoutMs)})`],
      'Rate-limit gate': [`${seconds(rateLimit.defaultRetryAfterMs)} without Retry-After, capped at ${seconds(rateLimit.maxRetryAfterMs)}`],
      Retry: [`${retry.maxAttempts} calls`, `${seconds(retry.initialDelayMs)} × 2ⁿ ±${percent(retry.jitter)}, ≤ ${seconds(retry.maxDelayMs)}`],
      'Outgoing quota': [quotaIsOn(sheet.quota) ? 'on by default' : 'off by default'],
      ...shared,
      'Adaptive timeout': [
        ...shared['Adaptive timeout']!,
        `${seconds(chat.windowMs)} window`,
        `${chat.escalateAfterTimeouts} in a row escalate it ×${chat.escalationFactor}`,
      ],
    });
  });

  it("Postgres: the sheet's numbers, built from the defaults", () => {
    const external = postgresPolicySheet(config.postgres, config.postgres.poolMax);
    const embedded = postgresPolicySheet(config.postgres, 1);
    const { bulkhead, retry } = external;
    assertTable('Postgres setting', {
      Bulkhead: [
        `(\`POSTGRES_POOL_MAX\`, ${bulkhead.maxConcurrent}; embedded: ${embedded.bulkhead.maxConcurrent})`,
        `${bulkhead.maxQueued / bulkhead.maxConcurrent}× that queued`,
        `queue wait ≤ min(deadline, ${seconds(bulkhead.queueTimeoutMs)})`,
      ],
      Retry: [`${retry.maxAttempts} calls, ${seconds(retry.initialDelayMs)} doubling to ${seconds(retry.maxDelayMs)}, ±${percent(retry.jitter)}`],
      ...sharedRows(external, 'search'),
    });
  });
});
