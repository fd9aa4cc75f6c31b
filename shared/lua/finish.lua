-- Move a claimed event to its next state, if the caller still holds the claim. One atomic step.
-- KEYS: 1 event hash, 2 due zset, 3 leases zset, 4 counts hash, 5 dead zset, 6 pending zset,
--       7 expiring zset
-- ARGV: 1 id, 2 claim token, 3 next state, 4 now, 5 due_at (scheduled/received),
--       6 attempt json ("" for none), 7 spend an attempt (1/0), 8 retention_s,
--       9 poke_at: when the reconciler should look, if no wake-up came ("": due_at),
--       10... extra field/value pairs to set on the event (route, record id, last error)
-- Returns: "ok", or "lost-claim" when another worker took the event over.
if redis.call("HGET", KEYS[1], "claim") ~= ARGV[2]
   or redis.call("HGET", KEYS[1], "state") ~= "in_progress" then
  return "lost-claim"
end
local next_state = ARGV[3]
redis.call("ZREM", KEYS[3], ARGV[1])
redis.call("HINCRBY", KEYS[4], "in_progress", -1)
redis.call("HINCRBY", KEYS[4], next_state, 1)
redis.call("HSET", KEYS[1], "state", next_state, "updated_at", ARGV[4], "claim", "")
if ARGV[6] ~= "" then
  local history = redis.call("HGET", KEYS[1], "history") or "[]"
  local sep = (history == "[]") and "" or ","
  redis.call("HSET", KEYS[1], "history", string.sub(history, 1, -2) .. sep .. ARGV[6] .. "]")
end
if ARGV[7] == "1" then redis.call("HINCRBY", KEYS[1], "attempts", 1) end
for i = 10, #ARGV, 2 do redis.call("HSET", KEYS[1], ARGV[i], ARGV[i + 1]) end
if next_state == "scheduled" or next_state == "received" then
  redis.call("HSET", KEYS[1], "due_at", ARGV[5])
  redis.call("ZADD", KEYS[2], (ARGV[9] ~= "" and ARGV[9]) or ARGV[5], ARGV[1])
elseif next_state == "dead" then
  redis.call("ZADD", KEYS[5], ARGV[4], ARGV[1])
  redis.call("ZREM", KEYS[6], ARGV[1])
else
  redis.call("EXPIRE", KEYS[1], ARGV[8])
  redis.call("ZADD", KEYS[7], tonumber(ARGV[4]) + tonumber(ARGV[8]), ARGV[1])
  redis.call("ZREM", KEYS[6], ARGV[1])
end
return "ok"
