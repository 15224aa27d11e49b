import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { FailureClassification } from './classification.ts';
import { DependencyPolicies } from './dependency-policies.ts';
import { testPolicySheet } from './testing/policy-sheet.ts';

class RateLimited extends Error {}

const sheet = testPolicySheet({
  provider: 'one',
  classify: (error): FailureClassification =>
    error instanceof RateLimited ? { retry: 'rate_limited', breaker: 'ignore', status: 429, retryAfterMs: 2_000, errorType: 'http_429' } : { retry: 'permanent', breaker: 'ignore', errorType: 'error' },
});

describe('DependencyPolicies', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('names an instance of a dependency and labels its metrics with it', () => {
    const policies = new DependencyPolicies(sheet);
    assert.equal(policies.name, 'dep/one');
    assert.deepEqual(policies.labels, { dependency: 'dep', provider: 'one' });
    assert.equal(policies.breaker.name, 'dep/one');
  });

  for (const method of ['executeOnce', 'execute'] as const) {
    it(`${method}: a 429 closes the gate even when the caller's deadline passed as it arrived`, async () => {
      const policies = new DependencyPolicies(sheet);
      const caller = new AbortController();
      let calls = 0;
      // The pipeline answers with the caller's deadline, not the 429: the gate must still hear of it.
      await assert.rejects(
        policies[method]('call', 'm', async () => {
          calls += 1;
          caller.abort(new Error('deadline'));
          throw new RateLimited();
        }, caller.signal),
        /deadline/,
      );
      assert.equal(calls, 1, 'nothing retried for a caller that left');
      assert.equal(policies.gate.remainingMs(), 2_000, "the provider's Retry-After holds for every later call");
    });
  }

  it('executeOnce makes one attempt: the caller retries', async () => {
    const policies = new DependencyPolicies(sheet);
    let calls = 0;
    await assert.rejects(
      policies.executeOnce('call', 'm', async () => {
        calls += 1;
        throw new RateLimited();
      }, new AbortController().signal),
      RateLimited,
    );
    assert.equal(calls, 1);
    assert.equal(policies.gate.remainingMs(), 2_000);
  });
});
