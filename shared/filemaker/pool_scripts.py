"""The session pool's state changes, each one Lua script (atomic in Redis).

Keys, per FileMaker server: ``idle`` (sorted set: token -> last use, Redis time in seconds),
``busy`` (hash: token -> "lease_until checked_out_at"), ``lock`` (string: the process logging
in), ``retiring`` (set: busy tokens whose creator shut down, logged out at check-in). A session counts against the cap while it is idle, busy, being logged in (the lock) or
being logged out (it stays busy until discarded). All times come from Redis ``TIME`` so the
machines' clocks never matter.
"""

from __future__ import annotations

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS: idle, busy, lock, retiring. ARGV: max_sessions, idle_s, lease_s, owner, lock_ttl_ms.
# Returns {verb, token}: token (use it), retire (log it out, then discard it),
# login (you hold the lock: log in, then commit), wait (full, or another login runs).
CHECKOUT = _NOW + """
local max, idle_s, lease_s = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local busy = redis.call('HGETALL', KEYS[2])
for i = 1, #busy, 2 do
  local lease_until, since = string.match(busy[i + 1], '^(%S+) (%S+)$')
  if tonumber(lease_until) < now then
    redis.call('HDEL', KEYS[2], busy[i])
    if redis.call('SREM', KEYS[4], busy[i]) == 1 then since = 0 end
    redis.call('ZADD', KEYS[1], since, busy[i])
  end
end
local lease = string.format('%.3f %.3f', now + lease_s, now)
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - idle_s, 'LIMIT', 0, 1)
if #stale > 0 then
  redis.call('ZREM', KEYS[1], stale[1])
  redis.call('HSET', KEYS[2], stale[1], lease)
  return {'retire', stale[1]}
end
local newest = redis.call('ZREVRANGE', KEYS[1], 0, 0)
if #newest > 0 then
  redis.call('ZREM', KEYS[1], newest[1])
  redis.call('HSET', KEYS[2], newest[1], lease)
  return {'token', newest[1]}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {'wait', 'login'}
end
if redis.call('ZCARD', KEYS[1]) + redis.call('HLEN', KEYS[2]) >= max then
  return {'wait', 'full'}
end
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
return {'login', ''}
"""

# KEYS: idle, busy, lock. ARGV: token, owner, lease_s. The new token is checked out.
COMMIT_LOGIN = _NOW + """
if redis.call('GET', KEYS[3]) == ARGV[2] then
  redis.call('DEL', KEYS[3])
end
redis.call('HSET', KEYS[2], ARGV[1], string.format('%.3f %.3f', now + tonumber(ARGV[3]), now))
return 1
"""

# KEYS: lock. ARGV: owner. A failed login gives its reserved slot back.
ABORT_LOGIN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: idle, busy, lock, retiring. ARGV: token, max_sessions.
# Returns ok (back in the pool), retire (over the cap, or its creator shut down: log it out,
# then discard it; it stays counted until then), gone (the lease ran out and the token was
# reclaimed meanwhile).
CHECKIN = _NOW + """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return 'gone'
end
if redis.call('SREM', KEYS[4], ARGV[1]) == 1 then
  return 'retire'
end
local others = redis.call('ZCARD', KEYS[1]) + redis.call('HLEN', KEYS[2]) - 1
  + redis.call('EXISTS', KEYS[3])
if others >= tonumber(ARGV[2]) then
  return 'retire'
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
return 'ok'
"""

# KEYS: idle, busy, lock, retiring. ARGV: token. Dead (952) or logged out: forget it.
DISCARD = """
redis.call('SREM', KEYS[4], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1]) + redis.call('ZREM', KEYS[1], ARGV[1])
"""

# KEYS: idle, busy, lock, retiring. ARGV: lease_s, token... At shutdown: claim the idle ones
# for logout (returned); mark those checked out elsewhere to be retired at check-in.
CLAIM_IDLE = _NOW + """
local claimed = {}
local lease = string.format('%.3f %.3f', now + tonumber(ARGV[1]), now)
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i], lease)
    claimed[#claimed + 1] = ARGV[i]
  elseif redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
    redis.call('SADD', KEYS[4], ARGV[i])
  end
end
return claimed
"""
