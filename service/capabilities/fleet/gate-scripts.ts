/**
 * The shared "rate-limited until" of a dependency: one key holding the latest time any replica
 * was told to wait until, expiring then. KEYS[1] the gate hash {until, status}.
 */
import { LuaScript } from '../../deps/redis/lua-script.ts';

/** Moves the time later only, and publishes it. ARGV: until, status, channel, dependency, origin. */
export const CLOSE_GATE = new LuaScript(`
-- 'until' is a Lua keyword.
local closed_until = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if closed_until <= current then return 0 end
redis.call('HSET', KEYS[1], 'until', closed_until, 'status', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], closed_until)
redis.call('PUBLISH', ARGV[3], cjson.encode({ type = 'gate', dependency = ARGV[4], ['until'] = closed_until,
  status = tonumber(ARGV[2]), origin = ARGV[5] }))
return 1
`);
