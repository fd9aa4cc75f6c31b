-- Import one dead letter exported elsewhere, unless an event with its id exists here.
-- It counts as accepted (+1) and dead (+1), and under "imported". Its dedupe claim is not
-- taken (the key belongs to the other environment). One atomic step.
-- ARGV: 4 id, 5 time of death, 6 received at, 7... field/value pairs of the event hash
-- Returns: 1 imported, 0 skipped
local id = ARGV[4]
local key = EV .. id
if redis.call("EXISTS", key) == 1 then return 0 end
for i = 7, #ARGV, 2 do redis.call("HSET", key, ARGV[i], ARGV[i + 1]) end
redis.call("HSET", key, "state", "dead", "claim", "", "dedupe_key", "", "dead_at", ARGV[5])
redis.call("ZADD", DEAD, ARGV[5], id)
redis.call("ZADD", TIMELINE, ARGV[6], id)
index(id, ARGV[5])
redis.call("HINCRBY", COUNTS, "accepted", 1)
redis.call("HINCRBY", COUNTS, "dead", 1)
redis.call("HINCRBY", COUNTS, "imported", 1)
return 1
