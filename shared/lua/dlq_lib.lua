-- The dead-letter store's shared Lua: prepended to every dlq_*.lua by shared/deadletters.py.
-- Every dlq script starts with the same KEYS and ARGV, then adds its own after them.
-- KEYS: 1 counts hash, 2 dead zset, 3 due zset, 4 pending zset, 5 timeline zset
-- ARGV: 1 event key prefix, 2 facet index key prefix, 3 facet count key prefix
-- A dead letter is indexed once per facet (source, route, FileMaker database, outcome class,
-- FileMaker code): a sorted set per value, scored by time of death, and a count per value.
local COUNTS, DEAD, DUE, PENDING, TIMELINE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local EV, IX, FACET = ARGV[1], ARGV[2], ARGV[3]
local DIMS = {{"source", "source"}, {"route", "route"}, {"db", "dlq_db"},
              {"class", "dlq_class"}, {"code", "dlq_code"}}

local function facet(value)
  if not value or value == "" then return "-" end
  return value
end

local function index(id, score)
  for _, d in ipairs(DIMS) do
    local v = facet(redis.call("HGET", EV .. id, d[2]))
    if redis.call("ZADD", IX .. d[1] .. ":" .. v, score, id) == 1 then
      redis.call("HINCRBY", FACET .. d[1], v, 1)
    end
  end
end

local function unindex(id)
  for _, d in ipairs(DIMS) do
    local v = facet(redis.call("HGET", EV .. id, d[2]))
    if redis.call("ZREM", IX .. d[1] .. ":" .. v, id) == 1 then
      if redis.call("HINCRBY", FACET .. d[1], v, -1) <= 0 then
        redis.call("HDEL", FACET .. d[1], v)
      end
    end
  end
end

local function append_history(id, entry)
  local history = redis.call("HGET", EV .. id, "history") or "[]"
  local sep = (history == "[]") and "" or ","
  redis.call("HSET", EV .. id, "history", string.sub(history, 1, -2) .. sep .. entry .. "]")
end

-- A dead letter back to "received", due now, with a fresh attempt budget (its history is
-- kept, so the worker's dedupe stage asks FileMaker first). 0, touching nothing, unless the
-- event is still dead: requeueing twice is a no-op.
local function requeue(id, now, poke_at, entry, who)
  local key = EV .. id
  if redis.call("HGET", key, "state") ~= "dead" then return 0 end
  unindex(id)
  redis.call("ZREM", DEAD, id)
  redis.call("HSET", key, "state", "received", "due_at", now, "updated_at", now,
             "attempts", 0, "lost", 0, "claim", "", "requeued_at", now, "requeued_by", who)
  redis.call("HINCRBY", key, "requeues", 1)
  append_history(id, entry)
  redis.call("ZADD", DUE, poke_at, id)
  redis.call("ZADD", PENDING, redis.call("HGET", key, "received_at") or now, id)
  redis.call("HINCRBY", COUNTS, "dead", -1)
  redis.call("HINCRBY", COUNTS, "received", 1)
  return 1
end
