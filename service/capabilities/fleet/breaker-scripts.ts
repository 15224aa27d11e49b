/**
 * The shared circuit breaker's state lives in Redis and changes only through these scripts, each
 * atomic, each publishing what it changed on the events channel so replicas learn within
 * milliseconds. Times are the calling replica's clock (ms); replicas are expected to be NTP-synced.
 *
 * Keys: KEYS[1] state hash {state, opened_at, version, probe_successes}, KEYS[2] window hash of
 * per-bucket counts (`f:<bucket start>`, `s:<bucket start>`), KEYS[3] the probe slot (a lock).
 * Every script returns {state, opened_at, version}.
 */
import type { SharedBreakerState } from '../../resilience/breaker-fleet.ts';
import { LuaScript } from '../../deps/redis/lua-script.ts';

/** Shared Lua helpers, prepended to each script. */
const PRELUDE = `
local function current()
  local fields = redis.call('HMGET', KEYS[1], 'state', 'opened_at', 'version')
  return { fields[1] or 'closed', fields[2] or '0', fields[3] or '0' }
end
local function transition(to, opened_at, reason, channel, dependency, origin)
  local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('HSET', KEYS[1], 'state', to, 'opened_at', opened_at, 'probe_successes', 0)
  if to == 'closed' then redis.call('DEL', KEYS[2], KEYS[3]) end
  redis.call('PUBLISH', channel, cjson.encode({ type = 'breaker', dependency = dependency, state = to,
    opened_at = tonumber(opened_at), version = version, reason = reason, origin = origin }))
  return { to, tostring(opened_at), tostring(version) }
end
`;

/**
 * Adds a batch of counted outcomes to the window and opens the circuit when the fleet's totals
 * cross the thresholds. ARGV: now, bucketMs, windowMs, failures, successes, minimumFailures,
 * failureRate, channel, dependency, origin.
 */
export const COUNT_OUTCOMES = new LuaScript(`${PRELUDE}
local now, bucket_ms, window_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bucket = now - (now % bucket_ms)
if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[2], 'f:' .. bucket, ARGV[4]) end
if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[2], 's:' .. bucket, ARGV[5]) end
redis.call('PEXPIRE', KEYS[2], window_ms + bucket_ms)
local failures, successes = 0, 0
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  local kind, at = string.match(fields[i], '^(%a):(%d+)$')
  if at == nil or tonumber(at) <= now - window_ms then
    redis.call('HDEL', KEYS[2], fields[i])
  elseif kind == 'f' then
    failures = failures + tonumber(fields[i + 1])
  else
    successes = successes + tonumber(fields[i + 1])
  end
end
local state = current()
if state[1] == 'closed' and failures >= tonumber(ARGV[6]) and failures / (failures + successes) >= tonumber(ARGV[7]) then
  return transition('open', now, 'failures', ARGV[8], ARGV[9], ARGV[10])
end
return state
`);

/**
 * A decision taken on one replica. ARGV: to, openedAt, reason, onlyIfClosed ('1' for an opening
 * on local counts, which must not override a newer fleet decision), channel, dependency, origin.
 */
export const ANNOUNCE = new LuaScript(`${PRELUDE}
local state = current()
if ARGV[4] == '1' and state[1] ~= 'closed' then return state end
if state[1] == ARGV[1] and state[2] == ARGV[2] then return state end
return transition(ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[6], ARGV[7])
`);

/**
 * A probe's outcome: counts good probes in a row (closing at successesToClose) or re-opens, and
 * frees the probe slot if this replica still holds it. Only counts while the fleet is half-open.
 * ARGV: outcome, now, successesToClose, halfOpenAfterMs, owner, channel, dependency, origin.
 */
export const SETTLE_PROBE = new LuaScript(`${PRELUDE}
if redis.call('GET', KEYS[3]) == ARGV[5] then redis.call('DEL', KEYS[3]) end
local state = current()
local now = tonumber(ARGV[2])
local half_open = state[1] == 'open' and now >= tonumber(state[2]) + tonumber(ARGV[4])
if not half_open or ARGV[1] == 'neutral' then return state end
if ARGV[1] == 'failure' then return transition('open', now, 'probe_failed', ARGV[6], ARGV[7], ARGV[8]) end
if redis.call('HINCRBY', KEYS[1], 'probe_successes', 1) >= tonumber(ARGV[3]) then
  return transition('closed', 0, 'probe_succeeded', ARGV[6], ARGV[7], ARGV[8])
end
return state
`);

/**
 * Takes the fleet's one probe slot, but only while the fleet is due a probe: not while isolated,
 * and not while the circuit re-opened less than a half-open period ago (a replica that has not
 * yet heard of a failed probe would otherwise probe again at once). A fleet with no decision, or
 * closed, leaves it to the slot. Returns 'OK' or 'BUSY'. ARGV: owner, ttlMs, now, halfOpenAfterMs.
 */
export const ACQUIRE_PROBE = new LuaScript(`${PRELUDE}
local state = current()
if state[1] == 'isolated' then return 'BUSY' end
if state[1] == 'open' and tonumber(ARGV[3]) < tonumber(state[2]) + tonumber(ARGV[4]) then return 'BUSY' end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'OK' end
return 'BUSY'
`);

/** Keeps the probe slot while its probe runs. KEYS[1] the slot; ARGV: owner, ttlMs. */
export const RENEW_PROBE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Script replies as a typed state. */
export function parseSharedState(reply: unknown): SharedBreakerState {
  // Also HMGET of the state hash, whose fields are null when it does not exist.
  const [state, openedAt, version] = reply as [string | null, string | null, string | null];
  const known = state === 'open' || state === 'isolated' ? state : 'closed';
  return { state: known, openedAt: Number(openedAt ?? 0), version: Number(version ?? 0) };
}
