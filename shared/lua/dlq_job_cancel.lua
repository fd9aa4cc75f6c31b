-- Cancel a running bulk requeue job: what is requeued stays requeued, the rest stays dead.
-- KEYS: 1 job hash, 2 job's remaining ids, 3 running jobs set
-- ARGV: 1 job id, 2 now, 3 who
-- Returns: {1, "cancelled"} when this call cancelled it, else {0, the state it had}
local state = redis.call("HGET", KEYS[1], "state")
if state ~= "running" then return {0, state or "missing"} end
redis.call("HSET", KEYS[1], "state", "cancelled", "finished_at", ARGV[2], "cancelled_by", ARGV[3])
redis.call("SREM", KEYS[3], ARGV[1])
redis.call("DEL", KEYS[2])
return {1, "cancelled"}
