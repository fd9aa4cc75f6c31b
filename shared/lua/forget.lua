-- Retention's last step: once a final event's hash has expired, remove its timeline entry
-- (the index the console lists from). One atomic step; many callers are safe.
-- KEYS: 1 expiring zset (id -> when its hash expires), 2 timeline zset
-- ARGV: 1 now, 2 batch, 3 event key prefix
-- Returns: how many timeline entries were removed.
local removed = 0
local ids = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, ARGV[2])
for _, id in ipairs(ids) do
  local ttl = redis.call("PTTL", ARGV[3] .. id)
  if ttl == -2 then                        -- gone: forget it
    redis.call("ZREM", KEYS[2], id)
    redis.call("ZREM", KEYS[1], id)
    removed = removed + 1
  elseif ttl == -1 then                    -- kept for good again (requeued, dead): not ours
    redis.call("ZREM", KEYS[1], id)
  else                                     -- its expiry moved: look again then
    redis.call("ZADD", KEYS[1], tonumber(ARGV[1]) + ttl / 1000, id)
  end
end
return removed
