import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../errors.ts';
import {
  MAX_METADATA_KEYS,
  pageQuerySchema,
  parseCollectionName,
  parseDocumentId,
  parseRetrievalRequest,
  searchSchema,
  upsertDocumentsSchema,
} from './retrieval-requests.ts';

/** The `param` of the 400 that parsing `value` raises. */
function paramOf(parse: () => unknown): string | undefined {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof InvalidRequestError, String(error));
    return error.param;
  }
  assert.fail('expected a 400');
}

describe('retrieval requests', () => {
  it('accepts a batch of strings and of objects with their own top_k and filter', () => {
    const parsed = parseRetrievalRequest(searchSchema, { queries: ['a', { query: 'b', top_k: 3, filter: { kind: 'x', n: 2, ok: true, gone: null } }], top_k: 5 });
    assert.deepEqual(parsed.queries, ['a', { query: 'b', top_k: 3, filter: { kind: 'x', n: 2, ok: true, gone: null } }]);
  });

  it('names the field inside a batch item, not just the item', () => {
    assert.equal(paramOf(() => parseRetrievalRequest(searchSchema, { queries: [{ query: 'r', filter: { a: { b: 1 } } }] })), 'queries[0].filter.a');
    assert.equal(paramOf(() => parseRetrievalRequest(searchSchema, { queries: [{ query: 'r', filter: { a: 'x'.repeat(1_025) } }] })), 'queries[0].filter.a');
    assert.equal(paramOf(() => parseRetrievalRequest(searchSchema, { queries: [{ query: 'r', k: 1 }] })), 'queries[0].k');
    assert.equal(paramOf(() => parseRetrievalRequest(searchSchema, { queries: [7] })), 'queries[0]');
  });

  it('says an unknown argument is unrecognised, as OpenAI does', () => {
    assert.throws(() => parseRetrievalRequest(searchSchema, { query: 'q', topk: 3 }), { message: 'Unrecognized request argument supplied: topk', param: 'topk' });
  });

  it('bounds metadata: flat scalars, at most 32 keys', () => {
    const tooMany = Object.fromEntries(Array.from({ length: MAX_METADATA_KEYS + 1 }, (_, index) => [`k${index}`, index]));
    assert.equal(paramOf(() => parseRetrievalRequest(upsertDocumentsSchema, { documents: [{ id: 'a', text: 't', metadata: tooMany }] })), 'documents[0].metadata');
    assert.equal(paramOf(() => parseRetrievalRequest(upsertDocumentsSchema, { documents: [{ id: 'a', text: 't', metadata: { '': 1 } }] })), 'documents[0].metadata');
    assert.equal(paramOf(() => parseRetrievalRequest(upsertDocumentsSchema, { documents: [{ id: 'a\u0000', text: 't' }] })), 'documents[0].id');
  });

  it('refuses strings Postgres cannot store: NUL, lone surrogates', () => {
    assert.equal(paramOf(() => parseRetrievalRequest(upsertDocumentsSchema, { documents: [{ id: 'a', text: 'nul \u0000 here' }] })), 'documents[0].text');
    assert.equal(paramOf(() => parseRetrievalRequest(upsertDocumentsSchema, { documents: [{ id: 'a', text: 't', metadata: { k: 'half \ud800' } }] })), 'documents[0].metadata.k');
    assert.equal(paramOf(() => parseRetrievalRequest(upsertDocumentsSchema, { documents: [{ id: '\udfff', text: 't' }] })), 'documents[0].id');
    assert.equal(paramOf(() => parseRetrievalRequest(searchSchema, { query: 'q', filter: { k: '\u0000' } })), 'filter.k');
    assert.equal(paramOf(() => parseRetrievalRequest(pageQuerySchema, { after: 'a\u0000' })), 'after');
  });

  it('reads page parameters from query strings', () => {
    assert.deepEqual(parseRetrievalRequest(pageQuerySchema, { limit: '100', after: 'doc-9' }), { limit: 100, after: 'doc-9' });
    assert.deepEqual(parseRetrievalRequest(pageQuerySchema, {}), {});
    assert.equal(paramOf(() => parseRetrievalRequest(pageQuerySchema, { limit: ['1', '2'] })), 'limit');
    assert.equal(paramOf(() => parseRetrievalRequest(pageQuerySchema, { limit: '-1' })), 'limit');
  });

  it('checks path segments', () => {
    assert.equal(parseCollectionName('my_docs-2'), 'my_docs-2');
    assert.equal(paramOf(() => parseCollectionName('a'.repeat(64))), 'name');
    assert.equal(paramOf(() => parseCollectionName("x'; DROP TABLE levee_collections; --")), 'name');
    assert.equal(parseDocumentId('a/b c'), 'a/b c');
    assert.equal(paramOf(() => parseDocumentId('x'.repeat(257))), 'id');
  });
});
