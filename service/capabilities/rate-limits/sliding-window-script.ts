/**
 * The fleet's sliding-window counts (sliding-window.ts's arithmetic, in Lua): one atomic call per
 * request checks every policy that applies and counts the request in all of them, or in none when
 * any refuses (a refused request is not counted, so a client retrying while limited gets through
 * once the window has decayed).
 *
 * The time is Redis's own (`TIME`), not the caller's: every replica then agrees on which window is
 * current and how far into it the fleet is, whatever their clocks say; a replica whose clock ran
 * ahead would otherwise open the next window early and count in a key the others do not read yet.
 * (Redis 7 replicates scripts by their effects, so `TIME` before a write is allowed.)
 *
 * Keys: `<prefix>ratelimit:<policy>:<identity>:<window index>`, an integer expiring two windows
 * after its first count (it is read as the previous window for one more window). The caller passes
 * each check's key without the index, which only Redis's clock can name: the script touches keys
 * it was not given, which a single Redis allows (Levee does not run on Redis Cluster).
 *
 * KEYS[i]: check i's key up to the index. ARGV[2i-1], ARGV[2i]: its limit and window (ms).
 * Returns { admitted, then per check: admits, previous, current (after counting), elapsed ms }.
 */
import { LuaScript } from '../../deps/redis/lua-script.ts';

export const TAKE_SLIDING_WINDOWS = new LuaScript(`
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local reply, current_keys, admitted = { 1 }, {}, 1
for i = 1, #KEYS do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local index = math.floor(now / window)
  local elapsed = now - index * window
  current_keys[i] = KEYS[i] .. string.format('%d', index)
  local current = tonumber(redis.call('GET', current_keys[i]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[i] .. string.format('%d', index - 1)) or '0')
  local admits = 0
  if previous * (window - elapsed) / window + current + 1 <= limit then admits = 1 else admitted = 0 end
  table.insert(reply, admits)
  table.insert(reply, previous)
  table.insert(reply, current)
  table.insert(reply, elapsed)
end
reply[1] = admitted
if admitted == 1 then
  for i = 1, #KEYS do
    local counted = redis.call('INCR', current_keys[i])
    if counted == 1 then redis.call('PEXPIRE', current_keys[i], 2 * tonumber(ARGV[2 * i])) end
    reply[1 + 4 * (i - 1) + 3] = counted
  end
end
return reply
`);
