-- Which events' payload text contains a needle, looked at inside Redis (no payload crosses
-- the wire). Reads the lowercased text that bury/import/edit keep in the field "dlq_text".
-- ARGV: 1 event key prefix, 2 needle (lowercase), 3... ids
-- Returns: one flag per id: 1 contains, 0 does not, -1 unknown (no text kept: ask the caller)
local out = {}
for i = 3, #ARGV do
  local text = redis.call("HGET", ARGV[1] .. ARGV[i], "dlq_text")
  if not text then out[#out + 1] = -1
  elseif string.find(text, ARGV[2], 1, true) then out[#out + 1] = 1
  else out[#out + 1] = 0 end
end
return out
