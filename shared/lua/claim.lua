-- Take an event to work on it, if it is there to take. One atomic step.
-- KEYS: 1 event hash, 2 due zset, 3 leases zset, 4 counts hash
-- ARGV: 1 id, 2 now, 3 lease_s, 4 claim token, 5 max_lost (poison cap)
-- Returns: {status, detail}: {"claimed", state_before, fields} | {"done", state}
--          | {"busy", lease} | {"early", due_at} | {"missing", ""}. A state_before of
--          "poison:N" means the event's lease ran out N times (workers died on it): the caller
--          dead-letters it. ``fields`` is the claimed event hash (HGETALL), so the worker
--          needs no second round trip to read what it took.
local state = redis.call("HGET", KEYS[1], "state")
if not state then return {"missing", ""} end
if state == "delivered" or state == "duplicate" or state == "dead" or state == "ignored" then
  return {"done", state}
end
local now = tonumber(ARGV[2])
if state == "in_progress" then
  -- The lease lives in the event hash: the leases zset score is the reconciler's next look
  -- (overdue.lua pushes it on), not the lease. Events claimed before lease_until existed
  -- fall back to the score.
  local lease = tonumber(redis.call("HGET", KEYS[1], "lease_until")
                         or redis.call("ZSCORE", KEYS[3], ARGV[1]) or "0")
  if lease > now then return {"busy", tostring(lease)} end
  local lost = redis.call("HINCRBY", KEYS[1], "lost", 1)
  if lost > tonumber(ARGV[5]) then state = "poison:" .. lost end
else
  local due = tonumber(redis.call("HGET", KEYS[1], "due_at") or "0")
  if due > now then return {"early", tostring(due)} end
  redis.call("ZREM", KEYS[2], ARGV[1])
  redis.call("HINCRBY", KEYS[4], state, -1)
  redis.call("HINCRBY", KEYS[4], "in_progress", 1)
end
local lease_until = now + tonumber(ARGV[3])
redis.call("HSET", KEYS[1], "state", "in_progress", "claim", ARGV[4], "updated_at", ARGV[2],
           "lease_until", tostring(lease_until))
redis.call("ZADD", KEYS[3], lease_until, ARGV[1])
return {"claimed", state, redis.call("HGETALL", KEYS[1])}
