-- Requeue dead letters: each one still dead goes back to received, due now. One atomic step.
-- ARGV: 4 now, 5 poke_at (when the reconciler wakes it if the wake-up is lost),
--       6 history entry json, 7 who, 8... ids
-- Returns: the ids that were requeued (the others were no longer dead).
local out = {}
for i = 8, #ARGV do
  if requeue(ARGV[i], ARGV[4], ARGV[5], ARGV[6], ARGV[7]) == 1 then out[#out + 1] = ARGV[i] end
end
return out
