-- A FileMaker server's circuit, shared by every worker. One atomic step per call.
-- States: closed (send), open (wait until retry_at), half_open (one probe in flight),
-- halted (wait for an operator: `hookmaker resume`).
-- KEYS: 1 circuit hash
-- ARGV: 1 op (check | success | failure | halt | resume), 2 now (s), 3 threshold,
--       4 base cool-down (s), 5 max cool-down (s), 6 probe lease (s), 7 reason
-- Returns: {state, wait_s (string), is_probe (0/1), consecutive failures}
local now = tonumber(ARGV[2])
local op = ARGV[1]
local state = redis.call("HGET", KEYS[1], "state") or "closed"
local function set(...) redis.call("HSET", KEYS[1], "updated_at", now, ...) end

if op == "check" then
  local failures = tonumber(redis.call("HGET", KEYS[1], "failures") or "0")
  if state == "closed" then return {state, "0", 0, failures} end
  if state == "halted" then return {state, "60", 0, failures} end
  local retry_at = tonumber(redis.call("HGET", KEYS[1], "retry_at") or "0")
  if now < retry_at then return {state, tostring(retry_at - now), 0, failures} end
  set("state", "half_open", "retry_at", now + tonumber(ARGV[6]))
  return {"half_open", "0", 1, failures}
elseif op == "success" then
  if state ~= "closed" and state ~= "halted" then
    set("state", "closed", "failures", 0, "opens", 0, "reason", "")
  elseif state == "closed" then
    redis.call("HSET", KEYS[1], "failures", 0)
  end
  return {redis.call("HGET", KEYS[1], "state") or "closed", "0", 0}
elseif op == "failure" then
  if state == "halted" then return {state, "60", 0} end
  local failures = redis.call("HINCRBY", KEYS[1], "failures", 1)
  if state == "half_open" or (state == "closed" and failures >= tonumber(ARGV[3])) then
    local opens = redis.call("HINCRBY", KEYS[1], "opens", 1)
    local cool = math.min(tonumber(ARGV[5]), tonumber(ARGV[4]) * 2 ^ (opens - 1))
    set("state", "open", "retry_at", now + cool, "reason", ARGV[7], "opened_at", now)
    return {"open", tostring(cool), 0}
  end
  return {state, "0", 0}
elseif op == "halt" then
  set("state", "halted", "reason", ARGV[7], "opened_at", now)
  return {"halted", "60", 0}
elseif op == "resume" then
  set("state", "closed", "failures", 0, "opens", 0, "reason", "", "retry_at", 0)
  return {"closed", "0", 0}
end
return redis.error_reply("unknown circuit op " .. op)
