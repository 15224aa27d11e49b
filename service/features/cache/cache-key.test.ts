import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKey, canonicalJson } from './cache-key.ts';

describe('cacheKey', () => {
  it('ignores key order at every depth, and not array order', () => {
    assert.equal(cacheKey({ b: 1, a: { y: [1, 2], x: 'q' } }), cacheKey({ a: { x: 'q', y: [1, 2] }, b: 1 }));
    assert.notEqual(cacheKey({ a: [1, 2] }), cacheKey({ a: [2, 1] }));
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }], u: undefined }), '{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('is sha256 hex and never carries the text', () => {
    const key = cacheKey({ prompt: 'my secret question' });
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.ok(!key.includes('secret'));
    assert.notEqual(cacheKey('1'), cacheKey(1));
  });
});
