-- Delete dead letters for good. Counts stay adding up: dead -1 and accepted -1 for each,
-- and "purged" +1 (so accepted + purged is every event ever accepted). The dedupe claim is
-- left to expire, so a sender's retry within the window is still answered as a duplicate.
-- ARGV: 4... ids
-- Returns: how many were deleted (ids no longer dead are left alone).
local n = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  if redis.call("HGET", EV .. id, "state") == "dead" then
    unindex(id)
    redis.call("ZREM", DEAD, id)
    redis.call("ZREM", TIMELINE, id)
    redis.call("ZREM", PENDING, id)
    redis.call("DEL", EV .. id)
    redis.call("HINCRBY", COUNTS, "dead", -1)
    redis.call("HINCRBY", COUNTS, "accepted", -1)
    redis.call("HINCRBY", COUNTS, "purged", 1)
    n = n + 1
  end
end
return n
