import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config.ts';
import { llmPolicySheet } from '../../deps/llm/policies.ts';
import { DependencyPolicies } from '../../resilience/dependency-policies.ts';
import { reportDependency } from './dependency-report.ts';

const signal = new AbortController().signal;
const { policies: llm } = loadConfig({ LLM_TIMEOUT_FLOOR_MS: '100', LLM_TIMEOUT_DEFAULT_MS: '2000' }).llm;

describe('reportDependency', () => {
  it('reads bulkhead, timeouts, gate and quota from the live policies', async () => {
    const policies = new DependencyPolicies(llmPolicySheet('primary', llm, { requestsPerMinute: 60, concurrent: 0, tokensPerMinute: 1_000 }));
    policies.gate.closeFor(5_000);
    const report = await reportDependency(policies, new Set(['llm/primary']), signal);
    assert.deepEqual({ ...report, timeouts: undefined, rate_limited_for_ms: undefined }, {
      name: 'llm/primary', kind: 'llm', provider: 'primary', breaker: 'llm/primary', bulkhead: { active: 0, queued: 0, capacity: 256 },
      timeouts: undefined, rate_limited_for_ms: undefined,
      quota: { requests_per_minute: { limit: 60, left: 60 }, tokens_per_minute: { limit: 1_000, left: 1_000 }, concurrency: null },
    });
    assert.ok(report.rate_limited_for_ms > 4_900 && report.rate_limited_for_ms <= 5_000, String(report.rate_limited_for_ms));
    assert.deepEqual(report.timeouts.chat, { current_ms: 2_000, floor_ms: 100, ceiling_ms: llm.timeout.ceilingMs }, 'the default before any call');
  });

  it('shows the longest timeout among the models, no quota when none is set, no breaker when unregistered', async () => {
    const policies = new DependencyPolicies(llmPolicySheet('primary', llm));
    const chat = policies.timeouts.get('chat')!;
    // A model whose attempts keep timing out escalates its timeout; another stays at the default.
    chat.forKey('steady');
    const slow = chat.forKey('slow').tracker;
    for (let attempt = 0; attempt < 3; attempt += 1) slow.recordTimeout(2_000);
    const report = await reportDependency(policies, new Set(), signal);
    assert.equal(report.timeouts.chat!.current_ms, slow.current().timeoutMs);
    assert.ok(report.timeouts.chat!.current_ms > 2_000, 'escalated past the default');
    assert.equal(report.quota, null);
    assert.equal(report.breaker, null);
  });
});
