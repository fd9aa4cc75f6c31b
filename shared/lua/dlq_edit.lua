-- Replace a dead letter's envelope (the edited body, the original kept inside it) and
-- requeue it, only if it is still dead and nobody changed it since it was read. Atomic.
-- ARGV: 4 id, 5 envelope as read, 6 edited envelope, 7 now, 8 poke_at, 9 history entry, 10 who,
--       11 the edited payload's searchable text
-- Returns: "ok" | "not-dead" | "changed"
local key = EV .. ARGV[4]
if redis.call("HGET", key, "state") ~= "dead" then return "not-dead" end
if redis.call("HGET", key, "envelope") ~= ARGV[5] then return "changed" end
redis.call("HSET", key, "envelope", ARGV[6], "edited_at", ARGV[7], "edited_by", ARGV[10],
           "dlq_text", ARGV[11])
requeue(ARGV[4], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
return "ok"
