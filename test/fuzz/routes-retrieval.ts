/**
 * The retrieval routes: collections, documents, search, and document imports. Deletes never name
 * a fixture (a deleted fixture would turn every later request into a 404) nor a tagged object (the
 * ledger traces those to the request that wrote them).
 */
import fc from 'fast-check';
import { TAG } from './fuzz-request.ts';
import { limitValue, query, segment } from './paths.ts';
import type { FuzzFixtures, RouteShape } from './request-shape.ts';

const metadata = fc.dictionary(fc.constantFrom('kind', 'lang', 'n', 'ok'), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 3 });

const documentsBody = fc
  .array(fc.record({ text: fc.string({ minLength: 1, maxLength: 60 }), metadata }, { requiredKeys: ['text'] }), { minLength: 1, maxLength: 4 })
  .map((documents) => ({ documents: documents.map((document, index) => ({ id: `${TAG}-${index}`, ...document })) }));

const searchItem = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.record({ query: fc.string({ minLength: 1, maxLength: 30 }), top_k: fc.integer({ min: 1, max: 100 }), filter: metadata }, { requiredKeys: ['query'] }));

const searchBody = fc.oneof(
  fc.record({ query: fc.string({ minLength: 1, maxLength: 40 }), top_k: fc.integer({ min: 1, max: 100 }), filter: metadata }, { requiredKeys: ['query'] }),
  fc.record({ queries: fc.array(searchItem, { minLength: 1, maxLength: 4 }), top_k: fc.integer({ min: 1, max: 10 }) }, { requiredKeys: ['queries'] }),
);

const collectionBody = fc.record({
  name: fc.constant(`fz-${TAG}`),
  model: fc.constantFrom('sim-embed', 'text-embedding-3-small'),
  dimension: fc.constantFrom(64, 8, 1536, 4000),
});

const pageQuery = query({ limit: limitValue, after: fc.constantFrom('a', 'zzz', 'fz-0') });

export function retrievalRoutes(fixtures: FuzzFixtures): RouteShape[] {
  const docs = fixtures.docsCollection;
  const readable = segment(docs, fixtures.importsCollection, 'no-such-collection');
  const deletable = segment('no-such-collection', `fz-${TAG}`);
  const documentPath = (collection: fc.Arbitrary<string>, id: fc.Arbitrary<string>) => fc.tuple(collection, id).map(([name, doc]) => `/v1/collections/${name}/documents/${doc}`);
  return [
    { route: 'POST /v1/collections', method: 'POST', target: fc.constant('/v1/collections'), validBody: collectionBody, auth: 'client' },
    { route: 'GET /v1/collections', method: 'GET', target: pageQuery.map((text) => `/v1/collections${text}`), auth: 'client' },
    { route: 'GET /v1/collections/:name', method: 'GET', target: readable.map((name) => `/v1/collections/${name}`), auth: 'client' },
    { route: 'DELETE /v1/collections/:name', method: 'DELETE', target: deletable.map((name) => `/v1/collections/${name}`), auth: 'client' },
    { route: 'POST /v1/collections/:name/documents', method: 'POST', target: segment(docs).map((name) => `/v1/collections/${name}/documents`), validBody: documentsBody, auth: 'client', idempotent: true },
    { route: 'GET /v1/collections/:name/documents', method: 'GET', target: fc.tuple(readable, pageQuery).map(([name, text]) => `/v1/collections/${name}/documents${text}`), auth: 'client' },
    { route: 'GET /v1/collections/:name/documents/:id', method: 'GET', target: documentPath(readable, segment(fixtures.documentId, 'missing')), auth: 'client' },
    { route: 'DELETE /v1/collections/:name/documents/:id', method: 'DELETE', target: documentPath(segment(docs), segment('missing')), auth: 'client' },
    { route: 'POST /v1/collections/:name/search', method: 'POST', target: readable.map((name) => `/v1/collections/${name}/search`), validBody: searchBody, auth: 'client' },
    {
      route: 'POST /v1/collections/:name/imports',
      method: 'POST',
      target: segment(fixtures.importsCollection).map((name) => `/v1/collections/${name}/imports`),
      validBody: fc.record({ file_id: fc.constantFrom(fixtures.documentsFileId, fixtures.documentsFileId, fixtures.batchFileId) }),
      auth: 'client',
      idempotent: true,
    },
    { route: 'GET /v1/collections/:name/imports', method: 'GET', target: fc.tuple(segment(fixtures.importsCollection), pageQuery).map(([name, text]) => `/v1/collections/${name}/imports${text}`), auth: 'client' },
    {
      route: 'GET /v1/collections/:name/imports/:id',
      method: 'GET',
      target: fc.tuple(segment(fixtures.importsCollection, docs), segment(fixtures.importId, 'imp_000')).map(([name, id]) => `/v1/collections/${name}/imports/${id}`),
      auth: 'client',
    },
  ];
}
