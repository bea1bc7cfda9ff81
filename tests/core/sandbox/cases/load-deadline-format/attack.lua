-- At load time: string.format: as rep; issue 13 §1. Must end at the load deadline.
local s = ('a'):rep(1e6)
while true do local x = ('%s%s%s%s'):format(s, s, s, s) end
