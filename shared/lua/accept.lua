-- Accept one event at the ingress, in one atomic step: rate limits (GCRA), then the dedupe
-- check, then the store, then the wake-up (a ready-made Celery message pushed onto the queue).
-- KEYS: 1 event hash, 2 dedupe key ("" for none), 3 due zset, 4 timeline zset, 5 counts hash,
--       6 pending zset, 7 the Celery queue list ("" for no wake-up), 8.. one key per rate limit
-- ARGV: 1 id, 2 envelope json, 3 now, 4 poke_at (when the reconciler looks), 5 retention_s,
--       6 source, 7 event_type, 8 the wake-up message ("" for none),
--       9.. per rate limit: emission interval (µs), burst tolerance (µs)
-- Returns: {"stored"} | {"duplicate", id of the event that holds the dedupe key}
--          | {"limited", µs until a retry can succeed}
-- Reads come first, so a Redis that is out of memory fails on the first write and nothing
-- is written (Redis aborts a script on a denied write before it has written anything).
local limits = #KEYS - 7
if limits > 0 then
  local time = redis.call("TIME")
  local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
  local wait_us, tats = 0, {}
  for i = 1, limits do
    local interval = tonumber(ARGV[7 + 2 * i])
    local tolerance = tonumber(ARGV[8 + 2 * i])
    local tat = tonumber(redis.call("GET", KEYS[7 + i]) or "0") or 0
    if tat < now_us then tat = now_us end
    if tat - tolerance > now_us then
      wait_us = math.max(wait_us, tat - tolerance - now_us)
    end
    tats[i] = tat + interval
  end
  if wait_us > 0 then
    return {"limited", string.format("%.0f", wait_us)}
  end
  for i = 1, limits do
    local ttl_ms = math.ceil((tats[i] - now_us) / 1000)
    redis.call("SET", KEYS[7 + i], string.format("%.0f", tats[i]), "PX", math.max(ttl_ms, 1))
  end
end
if KEYS[2] ~= "" then
  local holder = redis.call("GET", KEYS[2])
  if holder then
    redis.call("HINCRBY", KEYS[5], "duplicates_at_ingress", 1)
    return {"duplicate", holder}
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
if KEYS[7] ~= "" and ARGV[8] ~= "" then
  redis.call("LPUSH", KEYS[7], ARGV[8])
end
return {"stored"}
