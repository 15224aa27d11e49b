/**
 * The retrieval API's bad inputs: each with the status, code and
 * `param` it must be answered with. Run against a collection named `BAD_INPUT_COLLECTION`
 * (1,536 dimensions) that exists and holds one document, which none of them may change.
 */
export const BAD_INPUT_COLLECTION = 'bad-input';

export interface BadInputCase {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  status: number;
  code: string;
  param: string | null;
}

const C = `/v1/collections/${BAD_INPUT_COLLECTION}`;
const doc = (id: string, text = `text of ${id}`) => ({ id, text });
const manyDocs = (count: number) => Array.from({ length: count }, (_, index) => doc(`d${index}`));
const collection = { name: 'fresh', model: 'text-embedding-3-small', dimension: 1536 };

export const BAD_INPUT_CASES: BadInputCase[] = [
  // Collections
  { name: 'invalid collection name (upper case, space)', method: 'POST', path: '/v1/collections', body: { ...collection, name: 'Bad Name' }, status: 400, code: 'invalid_request', param: 'name' },
  { name: 'collection name over 63 characters', method: 'POST', path: '/v1/collections', body: { ...collection, name: 'a'.repeat(64) }, status: 400, code: 'invalid_request', param: 'name' },
  { name: 'collection without a model', method: 'POST', path: '/v1/collections', body: { name: 'fresh', dimension: 8 }, status: 400, code: 'invalid_request', param: 'model' },
  { name: 'dimension 0', method: 'POST', path: '/v1/collections', body: { ...collection, dimension: 0 }, status: 400, code: 'invalid_request', param: 'dimension' },
  { name: 'dimension over 4,000', method: 'POST', path: '/v1/collections', body: { ...collection, dimension: 4001 }, status: 400, code: 'invalid_request', param: 'dimension' },
  { name: 'unknown field on create', method: 'POST', path: '/v1/collections', body: { ...collection, dims: 3 }, status: 400, code: 'invalid_request', param: 'dims' },
  { name: 'existing collection', method: 'POST', path: '/v1/collections', body: { ...collection, name: BAD_INPUT_COLLECTION }, status: 409, code: 'collection_exists', param: 'name' },
  { name: 'invalid name in the path', method: 'GET', path: '/v1/collections/Bad%20Name', status: 400, code: 'invalid_request', param: 'name' },
  { name: 'unknown collection', method: 'GET', path: '/v1/collections/no-such-collection', status: 404, code: 'not_found', param: null },
  { name: 'deleting an unknown collection', method: 'DELETE', path: '/v1/collections/no-such-collection', status: 404, code: 'not_found', param: null },
  { name: 'list limit 0', method: 'GET', path: '/v1/collections?limit=0', status: 400, code: 'invalid_request', param: 'limit' },
  // Upserts
  { name: 'empty documents', method: 'POST', path: `${C}/documents`, body: { documents: [] }, status: 400, code: 'invalid_request', param: 'documents' },
  { name: 'more than 1,000 documents', method: 'POST', path: `${C}/documents`, body: { documents: manyDocs(1001) }, status: 400, code: 'invalid_request', param: 'documents' },
  { name: 'duplicate ids in one call', method: 'POST', path: `${C}/documents`, body: { documents: [doc('a'), doc('b'), doc('a')] }, status: 400, code: 'invalid_request', param: 'documents[2].id' },
  { name: 'empty text', method: 'POST', path: `${C}/documents`, body: { documents: [doc('a'), doc('b', '')] }, status: 400, code: 'invalid_request', param: 'documents[1].text' },
  { name: 'empty id', method: 'POST', path: `${C}/documents`, body: { documents: [doc('')] }, status: 400, code: 'invalid_request', param: 'documents[0].id' },
  { name: 'id over 256 characters', method: 'POST', path: `${C}/documents`, body: { documents: [doc('x'.repeat(257))] }, status: 400, code: 'invalid_request', param: 'documents[0].id' },
  { name: 'text over 32,000 characters', method: 'POST', path: `${C}/documents`, body: { documents: [doc('a', 'x'.repeat(32_001))] }, status: 400, code: 'invalid_request', param: 'documents[0].text' },
  { name: 'NUL in text (Postgres cannot store it)', method: 'POST', path: `${C}/documents`, body: { documents: [doc('a', 'a\u0000b')] }, status: 400, code: 'invalid_request', param: 'documents[0].text' },
  { name: 'nested metadata', method: 'POST', path: `${C}/documents`, body: { documents: [{ ...doc('a'), metadata: { tags: ['x'] } }] }, status: 400, code: 'invalid_request', param: 'documents[0].metadata.tags' },
  { name: 'metadata that is not an object', method: 'POST', path: `${C}/documents`, body: { documents: [{ ...doc('a'), metadata: 'x' }] }, status: 400, code: 'invalid_request', param: 'documents[0].metadata' },
  { name: 'documents into an unknown collection', method: 'POST', path: '/v1/collections/no-such-collection/documents', body: { documents: [doc('a')] }, status: 404, code: 'not_found', param: null },
  { name: 'documents into an invalid name', method: 'POST', path: '/v1/collections/NO/documents', body: { documents: [doc('a')] }, status: 400, code: 'invalid_request', param: 'name' },
  // Documents
  { name: 'list limit over 100', method: 'GET', path: `${C}/documents?limit=101`, status: 400, code: 'invalid_request', param: 'limit' },
  { name: 'list limit not a number', method: 'GET', path: `${C}/documents?limit=ten`, status: 400, code: 'invalid_request', param: 'limit' },
  { name: 'unknown list parameter', method: 'GET', path: `${C}/documents?order=desc`, status: 400, code: 'invalid_request', param: 'order' },
  { name: 'unknown document', method: 'GET', path: `${C}/documents/missing`, status: 404, code: 'not_found', param: null },
  { name: 'deleting an unknown document', method: 'DELETE', path: `${C}/documents/missing`, status: 404, code: 'not_found', param: null },
  { name: 'documents of an unknown collection', method: 'GET', path: '/v1/collections/no-such-collection/documents', status: 404, code: 'not_found', param: null },
  // Searches
  { name: 'top_k 0', method: 'POST', path: `${C}/search`, body: { query: 'q', top_k: 0 }, status: 400, code: 'invalid_request', param: 'top_k' },
  { name: 'top_k negative', method: 'POST', path: `${C}/search`, body: { query: 'q', top_k: -3 }, status: 400, code: 'invalid_request', param: 'top_k' },
  { name: 'top_k over 100', method: 'POST', path: `${C}/search`, body: { query: 'q', top_k: 101 }, status: 400, code: 'invalid_request', param: 'top_k' },
  { name: 'top_k not an integer', method: 'POST', path: `${C}/search`, body: { query: 'q', top_k: 2.5 }, status: 400, code: 'invalid_request', param: 'top_k' },
  { name: 'object filter value', method: 'POST', path: `${C}/search`, body: { query: 'q', filter: { kind: { $eq: 'a' } } }, status: 400, code: 'invalid_request', param: 'filter.kind' },
  { name: 'array filter value', method: 'POST', path: `${C}/search`, body: { query: 'q', filter: { kind: ['a', 'b'] } }, status: 400, code: 'invalid_request', param: 'filter.kind' },
  { name: 'NUL in a filter value', method: 'POST', path: `${C}/search`, body: { query: 'q', filter: { kind: '\u0000' } }, status: 400, code: 'invalid_request', param: 'filter.kind' },
  { name: 'empty query', method: 'POST', path: `${C}/search`, body: { query: '' }, status: 400, code: 'invalid_request', param: 'query' },
  { name: 'neither query nor queries', method: 'POST', path: `${C}/search`, body: { top_k: 3 }, status: 400, code: 'invalid_request', param: 'query' },
  { name: 'both query and queries', method: 'POST', path: `${C}/search`, body: { query: 'q', queries: ['q'] }, status: 400, code: 'invalid_request', param: 'queries' },
  { name: 'empty queries', method: 'POST', path: `${C}/search`, body: { queries: [] }, status: 400, code: 'invalid_request', param: 'queries' },
  { name: 'more than 32 queries', method: 'POST', path: `${C}/search`, body: { queries: Array.from({ length: 33 }, (_, index) => `q${index}`) }, status: 400, code: 'invalid_request', param: 'queries' },
  { name: 'empty query in a batch', method: 'POST', path: `${C}/search`, body: { queries: ['q', ''] }, status: 400, code: 'invalid_request', param: 'queries[1]' },
  { name: 'top_k 0 on a batch item', method: 'POST', path: `${C}/search`, body: { queries: ['q', { query: 'r', top_k: 0 }] }, status: 400, code: 'invalid_request', param: 'queries[1].top_k' },
  { name: 'nested filter on a batch item', method: 'POST', path: `${C}/search`, body: { queries: [{ query: 'r', filter: { a: { b: 1 } } }] }, status: 400, code: 'invalid_request', param: 'queries[0].filter.a' },
  { name: 'misspelt top_k', method: 'POST', path: `${C}/search`, body: { query: 'q', topk: 3 }, status: 400, code: 'invalid_request', param: 'topk' },
  { name: 'search of an unknown collection', method: 'POST', path: '/v1/collections/no-such-collection/search', body: { query: 'q' }, status: 404, code: 'not_found', param: null },
];
