-- Take one request from a FileMaker server's budget: a rate (GCRA, burst 1, so requests are
-- spaced at least one interval apart) and a cap on requests in flight. Redis's own clock,
-- so every worker on every machine shares one budget. One atomic step.
-- The server's circuit is looked at first (when KEYS[3] is given), so a delivery passes
-- both gates in one round trip: a closed circuit (no hash, or state "closed", the rule of
-- circuit.lua) lets the budget decide; any other state is circuit.lua's to decide (a probe,
-- a wait), and nothing is taken here.
-- KEYS: 1 GCRA key (theoretical arrival time, ms), 2 in-flight zset (slot -> expiry ms),
--       3 the circuit hash ("" to skip the look: the caller has passed the circuit)
-- ARGV: 1 interval_ms, 2 max in flight, 3 slot id, 4 slot ttl_ms, 5 cost (requests)
-- Returns: {granted (1/0), wait_ms, the circuit's consecutive failures}
--          | {0, -1, 0}: the circuit is not closed; ask it
local failures = 0
if KEYS[3] ~= "" then
  local circuit = redis.call("HMGET", KEYS[3], "state", "failures")
  if circuit[1] and circuit[1] ~= "closed" then return {0, -1, 0} end
  failures = tonumber(circuit[2] or "0")
end
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", now)
if redis.call("ZCARD", KEYS[2]) >= tonumber(ARGV[2]) then
  return {0, math.max(1, math.floor(interval / 2)), failures}
end
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if tat > now then return {0, tat - now, failures} end
local spend = interval * tonumber(ARGV[5])
redis.call("SET", KEYS[1], now + spend, "PX", math.max(1000, 2 * spend))
redis.call("ZADD", KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
return {1, 0, failures}
