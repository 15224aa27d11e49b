import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { problemsOf } from './config/testing/problems-of.ts';

describe('loadConfig', () => {
  it('starts on defaults with an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.environment, 'development');
    assert.equal(config.http.port, 8080);
    assert.equal(config.http.host, '0.0.0.0');
    assert.equal(config.http.bodyLimitBytes, 8 * 1024 * 1024);
    assert.equal(config.http.trustProxyHops, 0);
    assert.equal(config.requests.timeoutMs, 120_000);
    assert.equal(config.requests.slowMs, 5_000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.llm.baseUrl, undefined);
    assert.equal(config.apiKeys, undefined);
  });

  it('treats empty strings as unset, as compose files pass them', () => {
    assert.equal(loadConfig({ PORT: '', LLM_BASE_URL: '' }).http.port, 8080);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      REQUEST_TIMEOUT_MS: '30000',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      SHUTDOWN_GRACE_MS: '1000',
      BODY_LIMIT_BYTES: '1024',
      TRUST_PROXY_HOPS: '2',
      LLM_BASE_URL: 'https://api.openai.com/v1',
      LLM_API_KEY: 'sk-live-1234',
      DATABASE_URL: 'postgres://levee:pw@db:5432/levee',
      REDIS_URL: 'redis://redis:6379',
      ADMIN_TOKEN: 'admin-token-0123456789',
      API_KEYS: 'alice:key-alice-1,bob:key-bob-22',
    });
    assert.equal(config.http.port, 9000);
    assert.equal(config.http.trustProxyHops, 2);
    assert.equal(config.llm.baseUrl, 'https://api.openai.com/v1');
    assert.equal(config.llm.apiKey?.reveal(), 'sk-live-1234');
    assert.equal(config.apiKeys?.reveal(), 'alice:key-alice-1,bob:key-bob-22');
  });

  it('reads the shared-state tunables and their defaults', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.rateLimits, { policies: [{ name: 'all.ip.1m', routes: 'all', scope: 'ip', limit: 100, windowSeconds: 60 }] });
    assert.deepEqual(defaults.llm.quota, { requestsPerMinute: 0, concurrent: 0, tokensPerMinute: 0 });
    assert.equal(defaults.sharedState.redis.breakerFailures, 3);
    assert.equal(defaults.sharedState.redis.breakerHalfOpenAfterMs, 30_000);
    const config = loadConfig({
      REDIS_KEY_PREFIX: 'blue:',
      REDIS_TIMEOUT_MS: '50',
      SHARED_STATE_SYNC_MS: '500',
      RATE_LIMIT_KEY_PER_MIN: '600',
      RATE_LIMIT_IP_PER_MIN: '0',
      LLM_QUOTA_REQUESTS_PER_MIN: '50',
      LLM_QUOTA_CONCURRENT: '5',
    });
    assert.equal(config.sharedState.redis.keyPrefix, 'blue:');
    assert.equal(config.sharedState.redis.timeoutMs, 50);
    assert.equal(config.sharedState.syncIntervalMs, 500);
    assert.deepEqual(config.rateLimits, { policies: [{ name: 'all.key.1m', routes: 'all', scope: 'key', limit: 600, windowSeconds: 60 }] });
    assert.deepEqual(config.llm.quota, { requestsPerMinute: 50, concurrent: 5, tokensPerMinute: 0 });
    assert.deepEqual(problemsOf({ REDIS_KEY_PREFIX: 'a b', RATE_LIMIT_IP_PER_MIN: '-1' }), [
      'REDIS_KEY_PREFIX: must be 1-64 characters of [A-Za-z0-9_:.-] (got "a b")',
      'RATE_LIMIT_IP_PER_MIN: must be at least 0 (got "-1")',
    ]);
  });

  it('reads the conversation and idempotency limits, each bounded', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.conversations, { ttlMs: 3_600_000, maxMessages: 20, maxLocalConversations: 10_000 });
    assert.deepEqual(defaults.idempotency, { ttlMs: 86_400_000, maxLocalRecords: 10_000 });
    const config = loadConfig({
      CONVERSATION_TTL_MS: '60000',
      CONVERSATION_MAX_MESSAGES: '6',
      CONVERSATION_MEMORY_MAX_ENTRIES: '500',
      IDEMPOTENCY_TTL_MS: '3600000',
      IDEMPOTENCY_MEMORY_MAX_ENTRIES: '200',
    });
    assert.deepEqual(config.conversations, { ttlMs: 60_000, maxMessages: 6, maxLocalConversations: 500 });
    assert.deepEqual(config.idempotency, { ttlMs: 3_600_000, maxLocalRecords: 200 });
    assert.deepEqual(problemsOf({ CONVERSATION_MAX_MESSAGES: '1', IDEMPOTENCY_TTL_MS: '0', CONVERSATION_MEMORY_MAX_ENTRIES: 'many' }), [
      'CONVERSATION_MAX_MESSAGES: must be at least 2 (got "1")',
      'CONVERSATION_MEMORY_MAX_ENTRIES: must be an integer (got "many")',
      'IDEMPOTENCY_TTL_MS: must be at least 1000 (got "0")',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ PORT: 'abc', REQUEST_TIMEOUT_MS: '-1', LOG_LEVEL: 'loud', LEVEE_ENV: 'staging' });
    assert.equal(problems.length, 4);
    assert.match(problems.join('\n'), /PORT: must be an integer \(got "abc"\)/);
    assert.match(problems.join('\n'), /REQUEST_TIMEOUT_MS: must be at least 1 \(got "-1"\)/);
    assert.match(problems.join('\n'), /LOG_LEVEL: must be one of/);
    assert.match(problems.join('\n'), /LEVEE_ENV: must be development or production/);
  });

  it('never echoes a secret, not even an invalid one', () => {
    const problems = problemsOf({
      API_KEYS: 'sk-secret-without-a-name',
      DATABASE_URL: 'mysql://root:sk-secret-password@db/levee',
      ADMIN_TOKEN: 'sk-secret',
    });
    assert.equal(problems.length, 3);
    assert.doesNotMatch(problems.join('\n'), /sk-secret/);
  });

  it('keeps secrets out of JSON and inspect output', () => {
    const config = loadConfig({ LLM_API_KEY: 'sk-secret-1', ADMIN_TOKEN: 'sk-secret-admin-token', REDIS_URL: 'redis://:sk-secret-2@r:6379' });
    assert.doesNotMatch(JSON.stringify(config), /sk-secret/);
    assert.doesNotMatch(inspect(config, { depth: 10 }), /sk-secret/);
    assert.doesNotMatch(`${config.llm.apiKey}`, /sk-secret/);
  });

  it('refuses embedded stand-ins in production unless allowed', () => {
    const problems = problemsOf({ LEVEE_ENV: 'production' });
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^LLM_BASE_URL: required when LEVEE_ENV=production/);
    assert.match(problems[1]!, /^API_KEYS: required when LEVEE_ENV=production/);

    assert.equal(loadConfig({ LEVEE_ENV: 'production', ALLOW_EMBEDDED_IN_PRODUCTION: 'true' }).environment, 'production');
    const real = loadConfig({ LEVEE_ENV: 'production', LLM_BASE_URL: 'https://api.openai.com/v1', API_KEYS_FILE: '/run/secrets/keys' });
    assert.equal(real.environment, 'production');
  });

  it('checks URL schemes', () => {
    const problems = problemsOf({ LLM_BASE_URL: 'ftp://example.com', REDIS_URL: 'http://redis:6379' });
    assert.deepEqual(problems, ['LLM_BASE_URL: must be a http(s) URL (got "ftp://example.com")', 'REDIS_URL: must be a redis:// URL']);
  });
});
