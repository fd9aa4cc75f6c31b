-- Advance a bulk requeue job by what its rate allows since its last step (a token bucket
-- kept in the job, so any number of reconcilers and CLIs stepping it share one pace).
-- KEYS: 6 job hash, 7 job's remaining ids (list), 8 running jobs set
-- ARGV: 4 now, 5 poke_at, 6 history entry json, 7 at most this many per step, 8 job id
-- Returns: {state, requeued ids...}; state is running | finished | cancelled
local job = KEYS[6]
local state = redis.call("HGET", job, "state")
if state ~= "running" then
  redis.call("SREM", KEYS[8], ARGV[8])
  return {state or "missing"}
end
local now = tonumber(ARGV[4])
local rate = tonumber(redis.call("HGET", job, "rate_per_s"))
local last = tonumber(redis.call("HGET", job, "stepped_at") or ARGV[4])
local credit = tonumber(redis.call("HGET", job, "credit") or "0") + math.max(0, now - last) * rate
credit = math.min(credit, tonumber(ARGV[7]))
local out = {"running"}
local take = math.floor(credit)
if take > 0 then
  local ids = redis.call("LPOP", KEYS[7], take)
  if ids then
    local who = redis.call("HGET", job, "who") or "?"
    for _, id in ipairs(ids) do
      if requeue(id, ARGV[4], ARGV[5], ARGV[6], who) == 1 then out[#out + 1] = id end
    end
    credit = credit - #ids
    redis.call("HINCRBY", job, "done", #ids)
    redis.call("HINCRBY", job, "requeued", #out - 1)
  end
end
redis.call("HSET", job, "stepped_at", ARGV[4], "credit", tostring(credit))
if redis.call("LLEN", KEYS[7]) == 0 then
  redis.call("HSET", job, "state", "finished", "finished_at", ARGV[4])
  redis.call("SREM", KEYS[8], ARGV[8])
  out[1] = "finished"
end
return out
