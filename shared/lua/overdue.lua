-- Take the ids that need a wake-up now, and push their next look into the future so that
-- many reconcilers running at once do not all publish the same id. One atomic step.
-- A "received" event already had a wake-up from the ingress: while the Celery queue holds a
-- backlog, that wake-up is most likely still queued, so it is looked at later instead of
-- being published again (no duplicate flood during a long outage).
-- KEYS: 1 due zset, 2 leases zset, 3 the Celery queue (list)
-- ARGV: 1 now, 2 batch, 3 look again after (s), 4 backlog threshold, 5 event key prefix
-- Returns: {due ids..., "|", ids whose lease expired...}
local now = tonumber(ARGV[1])
local later = now + tonumber(ARGV[3])
local backlog = redis.call("LLEN", KEYS[3]) >= tonumber(ARGV[4])
local out = {}
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, ARGV[2])
for _, id in ipairs(due) do
  redis.call("ZADD", KEYS[1], "XX", later, id)
  if not (backlog and redis.call("HGET", ARGV[5] .. id, "state") == "received") then
    out[#out + 1] = id
  end
end
out[#out + 1] = "|"
local expired = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", now, "LIMIT", 0, ARGV[2])
for _, id in ipairs(expired) do
  redis.call("ZADD", KEYS[2], "XX", later, id)
  out[#out + 1] = id
end
return out
