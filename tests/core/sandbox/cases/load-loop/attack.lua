-- At load time: a loop that never ends (the load budget is 1e8 instructions).
local n = 0
while true do n = n + 1 end
