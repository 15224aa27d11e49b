/**
 * The fleet's outgoing quota lives in Redis and changes only through these scripts, each atomic.
 * Times are Redis's own clock (`TIME`), so replicas whose clocks disagree still share one bucket
 * and one lease expiry (Redis 7 replicates scripts by their effects, so `TIME` is allowed).
 *
 * Keys: a requests bucket and a tokens bucket (hashes {level, at}; a missing bucket is full), and
 * a sorted set of concurrency leases scored by expiry (ms). Limits are passed by the caller;
 * 0 means that dimension is unlimited and its key is not touched.
 */
import { LuaScript } from '../../deps/redis/lua-script.ts';

/** Shared Lua helpers, the same token-bucket arithmetic as resilience/token-bucket.ts. */
const PRELUDE = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function level(key, per_minute)
  local fields = redis.call('HMGET', key, 'level', 'at')
  local value, at = tonumber(fields[1]), tonumber(fields[2])
  if value == nil or at == nil then return per_minute end
  return math.min(per_minute, value + math.max(0, now - at) * per_minute / 60000)
end
-- Keeps a key at least \`ms\` longer, never shortening it (leases of other replicas may last longer).
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function save(key, value)
  redis.call('HSET', key, 'level', tostring(value), 'at', now)
  -- Two minutes refill even a full minute of debt: a bucket idle that long is full, like a missing one.
  redis.call('PEXPIRE', key, 121000)
end
`;

/**
 * Takes one request when one is available and the token budget is not in debt, leaving a reserve
 * (a fraction of each budget: background calls leave interactive ones their share).
 * KEYS: requests bucket, tokens bucket. ARGV: requests/min, tokens/min, reserve (0..1).
 * Returns {1, requests left, tokens left} or {0, quota, wait ms}.
 */
export const ADMIT = new LuaScript(`${PRELUDE}
local rpm, tpm, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3] or '0')
local requests, tokens, wait_requests, wait_tokens = 0, 0, 0, 0
if rpm > 0 then
  requests = level(KEYS[1], rpm)
  local needed = 1 + reserve * rpm
  if requests < needed - 1e-9 then wait_requests = math.max(1, math.ceil((needed - requests) * 60000 / rpm - 1e-6)) end
end
if tpm > 0 then
  tokens = level(KEYS[2], tpm)
  local floor = reserve * tpm
  if tokens < floor - 1e-9 then wait_tokens = math.max(1, math.ceil((floor - tokens) * 60000 / tpm - 1e-6)) end
end
if wait_tokens > 0 and wait_tokens >= wait_requests then return { 0, 'tokens', wait_tokens } end
if wait_requests > 0 then return { 0, 'requests', wait_requests } end
if rpm > 0 then save(KEYS[1], requests - 1) end
return { 1, tostring(requests - 1), tostring(tokens) }
`);

/** Debits tokens used, down to one minute of debt. KEYS: tokens bucket. ARGV: tokens/min, tokens. */
export const DEBIT_TOKENS = new LuaScript(`${PRELUDE}
local tpm = tonumber(ARGV[1])
save(KEYS[1], math.max(-tpm, level(KEYS[1], tpm) - tonumber(ARGV[2])))
return 1
`);

/**
 * Takes a lease when fewer than the limit are live; expired leases (a replica that died holding
 * them) are dropped first. KEYS: leases. ARGV: limit, lease id, ttl ms. Returns {1|0, leases live}.
 */
export const ACQUIRE_LEASE = new LuaScript(`${PRELUDE}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = redis.call('ZCARD', KEYS[1])
if live >= tonumber(ARGV[1]) then return { 0, live } end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
keep(KEYS[1], tonumber(ARGV[3]))
return { 1, live + 1 }
`);

/**
 * Extends the given leases (re-adding any a restarted Redis lost: those calls are still in
 * flight). KEYS: leases. ARGV: ttl ms, lease ids…
 */
export const RENEW_LEASES = new LuaScript(`${PRELUDE}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
keep(KEYS[1], ttl)
return #ARGV - 1
`);

/**
 * Reads the quota without changing it, for health. KEYS: requests, tokens, leases.
 * ARGV: requests/min, tokens/min. Returns {requests left, tokens left, leases live}.
 */
export const PEEK = new LuaScript(`${PRELUDE}
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local requests = rpm > 0 and level(KEYS[1], rpm) or 0
local tokens = tpm > 0 and level(KEYS[2], tpm) or 0
return { tostring(requests), tostring(tokens), redis.call('ZCOUNT', KEYS[3], now, '+inf') }
`);

/** `{0|1, …}` from ADMIT as an admission. */
export function parseAdmission(reply: unknown): { admitted: true } | { admitted: false; quota: 'requests' | 'tokens'; waitMs: number } {
  const [admitted, quota, waitMs] = reply as [number | string, string, number | string];
  if (Number(admitted) === 1) return { admitted: true };
  return { admitted: false, quota: quota === 'tokens' ? 'tokens' : 'requests', waitMs: Number(waitMs) };
}
