-- Store a newly accepted event, unless its dedupe key is already held. One atomic step.
-- KEYS: 1 event hash, 2 dedupe key ("" for none), 3 due zset, 4 timeline zset, 5 counts hash,
--       6 pending zset
-- ARGV: 1 id, 2 envelope json, 3 now, 4 poke_at (when the reconciler looks), 5 retention_s,
--       6 source, 7 event_type
-- Returns: the id of the event that holds the dedupe key (a duplicate), or false (stored).
if KEYS[2] ~= "" then
  local holder = redis.call("GET", KEYS[2])
  if holder then
    redis.call("HINCRBY", KEYS[5], "duplicates_at_ingress", 1)
    return holder
  end
  redis.call("SET", KEYS[2], ARGV[1], "EX", ARGV[5])
end
redis.call("HSET", KEYS[1], "envelope", ARGV[2], "state", "received", "received_at", ARGV[3],
           "due_at", ARGV[3], "updated_at", ARGV[3], "source", ARGV[6], "event_type", ARGV[7],
           "attempts", 0, "lost", 0, "history", "[]", "dedupe_key", KEYS[2])
redis.call("ZADD", KEYS[3], ARGV[4], ARGV[1])
redis.call("ZADD", KEYS[4], ARGV[3], ARGV[1])
redis.call("ZADD", KEYS[6], ARGV[3], ARGV[1])
redis.call("HINCRBY", KEYS[5], "accepted", 1)
redis.call("HINCRBY", KEYS[5], "received", 1)
return false
