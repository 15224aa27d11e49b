import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { QuotaExhaustedError } from './resilience/errors.ts';
import { ERROR_TABLE, InvalidRequestError, LeveeError, errorBody, formatParam, toLeveeError } from './errors.ts';
import { DeadlineExceededError } from './resilience/deadline.ts';

describe('errors', () => {
  it('maps every code to the documented statuses', () => {
    const statuses = Object.fromEntries(Object.entries(ERROR_TABLE).map(([code, kind]) => [code, kind.status]));
    assert.deepEqual(statuses, {
      invalid_json: 400,
      invalid_request: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      model_not_found: 404,
      method_not_allowed: 405,
      upgrade_required: 426,
      collection_exists: 409,
      payload_too_large: 413,
      request_header_fields_too_large: 431,
      request_timeout: 408,
      unsupported_media_type: 415,
      dimension_mismatch: 422,
      idempotency_key_in_use: 409,
      idempotency_key_reused: 422,
      rate_limit_exceeded: 429,
      too_many_connections: 429,
      internal_error: 500,
      deadline_exceeded: 504,
      dependency_unavailable: 503,
      dependency_saturated: 503,
      replica_unavailable: 503,
      upstream_rate_limited: 429,
      upstream_quota_exhausted: 429,
      upstream_error: 502,
      upstream_timeout: 504,
      upstream_auth_failed: 502,
      upstream_rejected: 400,
      client_closed_request: 499,
    });
  });

  it('names fields the way OpenAI does', () => {
    assert.equal(formatParam(['messages', 0, 'content']), 'messages[0].content');
    assert.equal(formatParam(['input', 3]), 'input[3]');
    assert.equal(formatParam([]), '');
    const failed = z.object({ messages: z.array(z.object({ role: z.string() })) }).safeParse({ messages: [{ role: 1 }] });
    assert.ok(!failed.success);
    const error = InvalidRequestError.fromZod(failed.error);
    assert.equal(error.param, 'messages[0].role');
    assert.match(error.message, /^Invalid 'messages\[0\]\.role': /);
  });

  it('hides unknown failures behind a generic 500 and keeps them as the cause', () => {
    const original = new Error('connection string postgres://u:p@h/db refused');
    const error = toLeveeError(original);
    assert.equal(error.code, 'internal_error');
    assert.equal(error.cause, original);
    assert.doesNotMatch(JSON.stringify(errorBody(error, 'req_1')), /postgres/);
  });

  it('maps exposed library errors and deadlines onto the table', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, expose: true });
    assert.equal(toLeveeError(tooLarge).code, 'payload_too_large');
    const hidden = Object.assign(new Error('secret'), { status: 400, expose: false });
    assert.equal(toLeveeError(hidden).code, 'internal_error');
    assert.equal(toLeveeError(new DeadlineExceededError(200)).code, 'deadline_exceeded');
    const known = new LeveeError('forbidden', 'no');
    assert.equal(toLeveeError(known), known);
  });

  it('answers a spent outgoing quota with 429 upstream_quota_exhausted and Retry-After', () => {
    const error = toLeveeError(new QuotaExhaustedError('llm', 'requests', 2_100));
    assert.equal(error.code, 'upstream_quota_exhausted');
    assert.equal(error.status, 429);
    assert.equal(error.type, 'rate_limit_error');
    assert.equal(error.headers['Retry-After'], '3');
  });

  it('renders OpenAI’s error shape with a null param when none applies', () => {
    assert.deepEqual(errorBody(new LeveeError('not_found', 'Nope.'), 'req_9'), {
      error: { message: 'Nope.', type: 'invalid_request_error', code: 'not_found', param: null, request_id: 'req_9' },
    });
  });
});
