/** Inbound rate-limit policies from the environment: the three variables, RATE_LIMITS, and every problem named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { problemsOf } from './testing/problems-of.ts';

const names = (env: Record<string, string>) => loadConfig(env).rateLimits.policies.map((policy) => policy.name);

describe('rate-limit policies', () => {
  it('default to 100 a minute per IP on every route; the hourly AI budget is off', () => {
    assert.deepEqual(names({}), ['all.ip.1m']);
  });

  it('read the per-IP, per-key and AI budget variables, 0 turning each off', () => {
    const config = loadConfig({ RATE_LIMIT_IP_PER_MIN: '0', RATE_LIMIT_KEY_PER_MIN: '600', RATE_LIMIT_AI_KEY_PER_HOUR: '200' });
    assert.deepEqual(config.rateLimits.policies, [
      { name: 'all.key.1m', routes: 'all', scope: 'key', limit: 600, windowSeconds: 60 },
      { name: 'ai.key.1h', routes: 'ai', scope: 'key', limit: 200, windowSeconds: 3_600 },
    ]);
  });

  it('add RATE_LIMITS entries after them, in order, named by routes, scope and window', () => {
    const config = loadConfig({ RATE_LIMITS: ' chat:key=50/1m, embeddings:ip=20/10s,,files:ip=5/90s ,batches:key=1000/1d,ai:key=20/10m' });
    assert.deepEqual(config.rateLimits.policies.slice(1), [
      { name: 'chat.key.1m', routes: 'chat', scope: 'key', limit: 50, windowSeconds: 60 },
      { name: 'embeddings.ip.10s', routes: 'embeddings', scope: 'ip', limit: 20, windowSeconds: 10 },
      { name: 'files.ip.90s', routes: 'files', scope: 'ip', limit: 5, windowSeconds: 90 },
      { name: 'batches.key.1d', routes: 'batches', scope: 'key', limit: 1_000, windowSeconds: 86_400 },
      { name: 'ai.key.10m', routes: 'ai', scope: 'key', limit: 20, windowSeconds: 600 },
    ]);
  });

  it('list every problem of RATE_LIMITS at once, each naming its entry, with those of other variables', () => {
    assert.deepEqual(problemsOf({ RATE_LIMITS: 'chats:user=0/1w,models:ip=5/2d,models:ip=5/0s,oops,chat:key=5/1m,chat:key=9/60s,all:ip=5/1m', RATE_LIMIT_AI_KEY_PER_HOUR: '-1' }), [
      'RATE_LIMIT_AI_KEY_PER_HOUR: must be at least 0 (got "-1")',
      'RATE_LIMITS: "chats:user=0/1w": routes must be one of all, ai, chat, embeddings, models, files, batches, retrieval, conversations, imports, events',
      'RATE_LIMITS: "chats:user=0/1w": scope must be key or ip',
      'RATE_LIMITS: "chats:user=0/1w": limit must be a whole number from 1 to 1000000000',
      'RATE_LIMITS: "chats:user=0/1w": window must be a whole number of s, m, h or d from 1s to 1d, e.g. 10s or 1h',
      'RATE_LIMITS: "models:ip=5/2d": window must be a whole number of s, m, h or d from 1s to 1d, e.g. 10s or 1h',
      'RATE_LIMITS: "models:ip=5/0s": window must be a whole number of s, m, h or d from 1s to 1d, e.g. 10s or 1h',
      'RATE_LIMITS: "oops": must be <routes>:<key|ip>=<limit>/<window>, e.g. chat:key=50/1m',
      'RATE_LIMITS: "chat:key=9/60s": a second chat.key.1m (same routes, scope and window)',
      'RATE_LIMITS: "all:ip=5/1m": is RATE_LIMIT_IP_PER_MIN\'s policy, set that variable instead',
    ]);
    assert.deepEqual(problemsOf({ RATE_LIMITS: Array.from({ length: 33 }, (_, index) => `chat:key=5/${index + 1}s`).join(',') }), ['RATE_LIMITS: at most 32 entries']);
  });
});
