-- Move a claimed event to the dead letters, if the caller still holds the claim: the
-- finish-to-dead transition plus the facet indexes. One atomic step.
-- KEYS: 6 leases zset
-- ARGV: 4 id, 5 claim token, 6 now, 7 attempt json ("" for none), 8 first failure time,
--       9 outcome class, 10 FileMaker code, 11 FileMaker database, 12... extra field/value pairs
-- Returns: "ok", or "lost-claim" when another worker took the event over.
local id = ARGV[4]
local key = EV .. id
if redis.call("HGET", key, "claim") ~= ARGV[5]
   or redis.call("HGET", key, "state") ~= "in_progress" then
  return "lost-claim"
end
redis.call("ZREM", KEYS[6], id)
redis.call("HINCRBY", COUNTS, "in_progress", -1)
redis.call("HINCRBY", COUNTS, "dead", 1)
redis.call("HSET", key, "state", "dead", "updated_at", ARGV[6], "claim", "", "dead_at", ARGV[6],
           "dlq_class", ARGV[9], "dlq_code", ARGV[10], "dlq_db", ARGV[11])
redis.call("HSETNX", key, "first_failure_at", ARGV[8])
if ARGV[7] ~= "" then append_history(id, ARGV[7]) end
redis.call("HINCRBY", key, "attempts", 1)
for i = 12, #ARGV, 2 do redis.call("HSET", key, ARGV[i], ARGV[i + 1]) end
redis.call("ZADD", DEAD, ARGV[6], id)
redis.call("ZREM", PENDING, id)
index(id, ARGV[6])
return "ok"
