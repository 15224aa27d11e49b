/**
 * The Files and Batch APIs. Deletes name only files that do not exist (a fixture deleted would
 * turn the batch and import routes into 404s); a batch's metadata carries the tag.
 */
import fc from 'fast-check';
import { TAG } from './fuzz-request.ts';
import { multipartUpload } from './multipart.ts';
import { limitValue, query, segment } from './paths.ts';
import type { FuzzFixtures, RouteShape } from './request-shape.ts';

const unknownFile = fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `file-${hex}`);

export function jobRoutes(fixtures: FuzzFixtures, fileMaxBytes: number): RouteShape[] {
  const readableFile = fc.oneof(segment(fixtures.batchFileId, fixtures.documentsFileId), unknownFile);
  const batchBody = fc.record(
    {
      input_file_id: fc.constantFrom(fixtures.batchFileId, fixtures.batchFileId, fixtures.documentsFileId),
      endpoint: fc.constantFrom('/v1/chat/completions', '/v1/embeddings'),
      completion_window: fc.constant('24h'),
      metadata: fc.constant({ fuzz: TAG }),
    },
    { requiredKeys: ['input_file_id', 'endpoint', 'completion_window'] },
  );
  const batchId = segment(fixtures.batchId, 'batch_000');
  return [
    { route: 'POST /v1/files', method: 'POST', target: fc.constant('/v1/files'), rawBody: multipartUpload(fileMaxBytes), auth: 'client' },
    {
      route: 'GET /v1/files',
      method: 'GET',
      target: query({ purpose: fc.constantFrom('batch', 'user_data', 'batch_output', 'homework'), limit: limitValue, order: fc.constantFrom('asc', 'desc', 'sideways'), after: fc.constantFrom(fixtures.batchFileId, 'file-0') }).map((text) => `/v1/files${text}`),
      auth: 'client',
    },
    { route: 'GET /v1/files/:id', method: 'GET', target: readableFile.map((id) => `/v1/files/${id}`), auth: 'client' },
    { route: 'GET /v1/files/:id/content', method: 'GET', target: readableFile.map((id) => `/v1/files/${id}/content`), auth: 'client' },
    { route: 'DELETE /v1/files/:id', method: 'DELETE', target: fc.oneof(unknownFile, segment()).map((id) => `/v1/files/${id}`), auth: 'client' },
    { route: 'POST /v1/batches', method: 'POST', target: fc.constant('/v1/batches'), validBody: batchBody, auth: 'client', idempotent: true },
    { route: 'GET /v1/batches', method: 'GET', target: query({ limit: limitValue, after: fc.constantFrom(fixtures.batchId, 'batch_0') }).map((text) => `/v1/batches${text}`), auth: 'client' },
    { route: 'GET /v1/batches/:id', method: 'GET', target: batchId.map((id) => `/v1/batches/${id}`), auth: 'client' },
    { route: 'POST /v1/batches/:id/cancel', method: 'POST', target: batchId.map((id) => `/v1/batches/${id}/cancel`), auth: 'client' },
  ];
}
