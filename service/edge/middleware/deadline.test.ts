import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../errors.ts';
import { effectiveTimeoutMs } from './deadline.ts';

describe('effectiveTimeoutMs', () => {
  it('takes the shortest of the server limit and the client headers', () => {
    assert.equal(effectiveTimeoutMs(120_000, '', ''), 120_000);
    assert.equal(effectiveTimeoutMs(120_000, '250', ''), 250);
    assert.equal(effectiveTimeoutMs(120_000, '', '2'), 2_000);
    assert.equal(effectiveTimeoutMs(120_000, '5000', '2'), 2_000);
    assert.equal(effectiveTimeoutMs(120_000, '', '0.5'), 500);
  });

  it('never lengthens the server limit', () => {
    assert.equal(effectiveTimeoutMs(1_000, '60000', '600'), 1_000);
  });

  it('refuses a malformed X-Request-Timeout-Ms, naming the header', () => {
    for (const bad of ['-5', '0', '1.5', 'soon', '99999999999']) {
      assert.throws(() => effectiveTimeoutMs(1_000, bad, ''), (error: unknown) => {
        assert.ok(error instanceof InvalidRequestError);
        assert.equal(error.param, 'X-Request-Timeout-Ms');
        return true;
      });
    }
  });

  it('ignores an X-Stainless-Timeout it cannot use (the SDK sends 0 for sub-second timeouts)', () => {
    for (const ignored of ['0', '-1', 'abc', 'Infinity']) assert.equal(effectiveTimeoutMs(1_000, '', ignored), 1_000);
  });
});
